import { describe, expect, it } from 'vitest';
import { Post } from '../../src/entities/post.entity';
import { PostType } from '../../src/enums';
import { validateEntity } from '../../src/validation';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { expectRefused, expectSecondRefused, expectStoredAsUtc, sql, validationIssues } from './fixtures';

const post = (values: Partial<Post>): Post => Object.assign(new Post(), values);

describe.each(engines())('Post entity on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('round-trips every column through the manager', async () => {
    const publishedAt = new Date('2024-02-29T12:00:00.250Z');
    const values = {
      facebookPostId: '1234567890_987654321',
      postType: PostType.REEL,
      content: 'عرض خاص 🎉\nSpecial offer',
      permalinkUrl: 'https://www.facebook.com/page/posts/987654321',
      mediaUrl: 'https://cdn.example.com/reel.mp4?sig=abc&x=1',
      likesCount: 2_000_000_000,
      commentsCount: 17,
      sharesCount: 0,
    };
    const saved = await suite.db.manager.save(post({ ...values, publishedAt }));
    const loaded = await suite.db.manager.findOneByOrFail(Post, { id: saved.id });
    // The enum comes back as its stored value.
    expect(loaded).toMatchObject({ ...values, postType: 'reel' });
    expect(loaded.publishedAt?.toISOString()).toBe(publishedAt.toISOString());
    await expectStoredAsUtc(suite.db, 'posts', 'published_at', saved.id, publishedAt);
  });

  it('defaults to a feed post with zero counters', async () => {
    const saved = await suite.db.manager.save(post({ facebookPostId: 'post-defaults' }));
    expect(await suite.db.manager.findOneByOrFail(Post, { id: saved.id })).toMatchObject({
      postType: PostType.POST,
      likesCount: 0,
      commentsCount: 0,
      sharesCount: 0,
      content: null,
      publishedAt: null,
    });
  });

  it('refuses a second post with the same facebook post id', async () => {
    await expectSecondRefused(suite.db, () => post({ facebookPostId: 'post-dup' }));
  });

  it('refuses a raw insert of an unknown post type', async () => {
    await expectRefused(sql(suite.db, `INSERT INTO "posts" ("facebook_post_id", "post_type") VALUES ('post-bad-type', 'tweet')`), /CHK_posts_post_type|check/i);
  });

  it.each(['likes_count', 'comments_count', 'shares_count'])('refuses a raw insert with a negative %s', async (column) => {
    await expectRefused(
      sql(suite.db, `INSERT INTO "posts" ("facebook_post_id", "${column}") VALUES (?, -1)`, [`post-neg-${column}`]),
      /CHK_posts_|check/i,
    );
  });
});

describe('Post validation', () => {
  it('accepts a valid post', async () => {
    const valid = post({ facebookPostId: 'p1', permalinkUrl: 'https://facebook.com/p1', likesCount: 3 });
    await expect(validateEntity(valid)).resolves.toBe(valid);
  });

  it('requires a facebook post id', async () => {
    expect((await validationIssues(post({})))['facebookPostId']).toContain('isNotEmpty');
    expect(await validationIssues(post({ facebookPostId: '' }))).toEqual({ facebookPostId: ['isNotEmpty'] });
  });

  it('refuses URLs that are not http(s)', async () => {
    expect(await validationIssues(post({ facebookPostId: 'p', permalinkUrl: 'javascript:alert(1)', mediaUrl: 'www.example.com/x.jpg' }))).toEqual({
      permalinkUrl: ['isUrl'],
      mediaUrl: ['isUrl'],
    });
  });

  it('refuses negative counters', async () => {
    expect(await validationIssues(post({ facebookPostId: 'p', likesCount: -1, commentsCount: -2, sharesCount: -3 }))).toEqual({
      likesCount: ['min'],
      commentsCount: ['min'],
      sharesCount: ['min'],
    });
  });

  it('refuses an unknown post type', async () => {
    expect(await validationIssues(post({ facebookPostId: 'p', postType: 'tweet' as PostType }))).toEqual({ postType: ['isEnum'] });
  });
});
