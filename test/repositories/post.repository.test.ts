import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { Message } from '../../src/entities/message.entity';
import { Post } from '../../src/entities/post.entity';
import { PostType } from '../../src/enums';
import { NotFoundError } from '../../src/errors';
import { makeMessage } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { firstIssue, validationIssue } from '../support/errors';

describe.each(engines())('PostRepository on %s', (engine) => {
  const suite = useTestDatabase(engine, { emptyTablesAfterEach: true });
  let seq = 0;
  const fbId = (): string => `${engine}_post_${++seq}`;

  const postCount = (): Promise<number> => suite.db.manager.count(Post);

  describe('upsertByFacebookId', () => {
    it('inserts a new post with the column defaults filled in', async () => {
      const id = fbId();
      const post = await suite.db.posts.upsertByFacebookId({ facebookPostId: id, content: 'Hello' });
      expect(post).toBeInstanceOf(Post);
      expect(post.id).toBeGreaterThan(0);
      expect(post.facebookPostId).toBe(id);
      expect(post.content).toBe('Hello');
      expect(post.postType).toBe(PostType.POST);
      expect([post.likesCount, post.commentsCount, post.sharesCount]).toEqual([0, 0, 0]);
      expect(post.createdAt).toBeInstanceOf(Date);
    });

    it('updates the same row on a second upsert and leaves omitted fields as stored', async () => {
      const id = fbId();
      const publishedAt = new Date('2025-03-01T10:00:00.000Z');
      const first = await suite.db.posts.upsertByFacebookId({
        facebookPostId: id,
        content: 'First',
        permalinkUrl: 'https://facebook.com/p/1',
        likesCount: 5,
        publishedAt,
      });
      const second = await suite.db.posts.upsertByFacebookId({ facebookPostId: id, content: 'Second', postType: PostType.REEL, likesCount: 9 });
      expect(second.id).toBe(first.id);
      expect(second.content).toBe('Second');
      expect(second.postType).toBe(PostType.REEL);
      expect(second.likesCount).toBe(9);
      expect(second.permalinkUrl).toBe('https://facebook.com/p/1');
      expect(second.publishedAt?.toISOString()).toBe(publishedAt.toISOString());
      expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
      expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      expect(await postCount()).toBe(1);
    });

    it('clears a nullable field given as null', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id, mediaUrl: 'https://cdn.example.com/a.jpg' });
      const post = await suite.db.posts.upsertByFacebookId({ facebookPostId: id, mediaUrl: null });
      expect(post.mediaUrl).toBeNull();
    });

    it('leaves exactly one row when many upserts of one Facebook id run concurrently', async () => {
      const id = fbId();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => suite.db.posts.upsertByFacebookId({ facebookPostId: id, likesCount: i })),
      );
      expect(new Set(results.map((p) => p.id)).size).toBe(1);
      expect(await postCount()).toBe(1);
      const stored = await suite.db.posts.findByFacebookId(id);
      expect(results.map((p) => p.likesCount)).toContain(stored?.likesCount);
    });

    it('refuses invalid values and writes nothing', async () => {
      const error = await validationIssue(
        suite.db.posts.upsertByFacebookId({ facebookPostId: fbId(), likesCount: -1, permalinkUrl: 'not a url' }),
      );
      expect(error.issues.map((i) => i.property).sort()).toEqual(['likesCount', 'permalinkUrl']);
      expect(await postCount()).toBe(0);
    });

    it('refuses a missing Facebook id, an unknown post type and unknown properties', async () => {
      await validationIssue(suite.db.posts.upsertByFacebookId({ facebookPostId: '' }));
      const badType = await validationIssue(suite.db.posts.upsertByFacebookId({ facebookPostId: fbId(), postType: 'tweet' as PostType }));
      expect(badType.issues[0]?.property).toBe('postType');
      const unknown = await validationIssue(
        suite.db.posts.upsertByFacebookId({ facebookPostId: fbId(), id: 7 } as unknown as Parameters<Database['posts']['upsertByFacebookId']>[0]),
      );
      expect(unknown.issues[0]?.property).toBe('id');
      expect(await postCount()).toBe(0);
    });

    it('joins the caller transaction and rolls back with it', async () => {
      const id = fbId();
      await expect(
        suite.db.transaction(async (tx) => {
          await tx.posts.upsertByFacebookId({ facebookPostId: id });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await suite.db.posts.findByFacebookId(id)).toBeNull();
    });
  });

  describe('findByFacebookId', () => {
    it('finds a post by its Facebook id and returns null for an unknown one', async () => {
      const id = fbId();
      const post = await suite.db.posts.upsertByFacebookId({ facebookPostId: id });
      expect((await suite.db.posts.findByFacebookId(id))?.id).toBe(post.id);
      expect(await suite.db.posts.findByFacebookId('nope')).toBeNull();
    });

    it('refuses an empty Facebook id', async () => {
      await validationIssue(suite.db.posts.findByFacebookId(''));
    });
  });

  describe('updateEngagement', () => {
    it('sets the given counts and leaves the others as stored', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id, likesCount: 1, commentsCount: 2, sharesCount: 3 });
      const post = await suite.db.posts.updateEngagement(id, { likes: 100, shares: 0 });
      expect([post.likesCount, post.commentsCount, post.sharesCount]).toEqual([100, 2, 0]);
      const stored = await suite.db.posts.findByFacebookId(id);
      expect([stored?.likesCount, stored?.commentsCount, stored?.sharesCount]).toEqual([100, 2, 0]);
    });

    it('refuses negative, fractional and non-number counts and writes nothing', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id, likesCount: 4 });
      for (const counts of [{ likes: -1 }, { comments: 1.5 }, { shares: Number.NaN }, { likes: '3' as unknown as number }]) {
        const error = await validationIssue(suite.db.posts.updateEngagement(id, counts));
        expect(error.issues[0]?.property).toBe(Object.keys(counts)[0]);
      }
      const unknown = await validationIssue(suite.db.posts.updateEngagement(id, { views: 3 } as unknown as { likes: number }));
      expect(unknown.issues[0]?.property).toBe('views');
      expect((await suite.db.posts.findByFacebookId(id))?.likesCount).toBe(4);
    });

    it('throws NotFoundError for an unknown Facebook id', async () => {
      await expect(suite.db.posts.updateEngagement('missing', { likes: 1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(suite.db.posts.updateEngagement('missing', {})).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('top', () => {
    async function seed(): Promise<Record<string, number>> {
      const rows: Array<[string, number, number, number]> = [
        ['a', 10, 0, 0], // engagement 10
        ['b', 5, 5, 5], // 15
        ['c', 10, 1, 0], // 11
        ['d', 0, 20, 1], // 21
        ['e', 10, 0, 5], // 15
      ];
      const ids: Record<string, number> = {};
      for (const [name, likes, comments, shares] of rows) {
        const post = await suite.db.posts.upsertByFacebookId({
          facebookPostId: `${engine}_top_${name}`,
          likesCount: likes,
          commentsCount: comments,
          sharesCount: shares,
        });
        ids[name] = post.id;
      }
      return ids;
    }
    const names = (posts: Post[]): string[] => posts.map((p) => p.facebookPostId.replace(`${engine}_top_`, ''));

    it('ranks by likes with ties broken by the older post first', async () => {
      await seed();
      expect(names(await suite.db.posts.top({ by: 'likes' }))).toEqual(['a', 'c', 'e', 'b', 'd']);
    });

    it.each([
      { by: 'comments', ranking: 'comments', order: ['d', 'b', 'c', 'a', 'e'] },
      { by: 'shares', ranking: 'shares', order: ['b', 'e', 'd', 'a', 'c'] },
      { by: 'engagement', ranking: 'engagement, the sum of likes, comments and shares', order: ['d', 'b', 'e', 'c', 'a'] },
    ] as const)('ranks by $ranking', async ({ by, order }) => {
      await seed();
      expect(names(await suite.db.posts.top({ by }))).toEqual(order);
    });

    it('returns at most limit posts, 10 by default', async () => {
      await seed();
      expect(names(await suite.db.posts.top({ by: 'engagement', limit: 2 }))).toEqual(['d', 'b']);
      for (let i = 0; i < 8; i++) await suite.db.posts.upsertByFacebookId({ facebookPostId: fbId() });
      expect(await suite.db.posts.top({ by: 'likes' })).toHaveLength(10);
    });

    it('refuses an unknown ranking', async () => {
      const by = await validationIssue(suite.db.posts.top({ by: 'views' as 'likes' }));
      expect(by.issues[0]?.property).toBe('by');
    });

    it.each([0, 101, 2.5])('refuses a limit of %s, outside the whole numbers 1..100', async (limit) => {
      const error = await validationIssue(suite.db.posts.top({ by: 'likes', limit }));
      expect(error.issues[0]?.property).toBe('limit');
    });
  });

  describe('delete', () => {
    it('deletes a post and leaves its messages with post_id null', async () => {
      const post = await suite.db.posts.upsertByFacebookId({ facebookPostId: fbId() });
      const message = await makeMessage(suite.db, { text: 'I saw your post', postId: post.id });
      expect(await suite.db.posts.delete(post.id)).toBe(true);
      expect(await suite.db.posts.findById(post.id)).toBeNull();
      const after = await suite.db.manager.findOneByOrFail(Message, { id: message.id });
      expect(after.postId).toBeNull();
      expect(after.text).toBe('I saw your post');
    });

    it('returns false when there is no such post', async () => {
      expect(await suite.db.posts.delete(999_999)).toBe(false);
    });
  });

  describe('input checks before SQL', () => {
    it('refuses counts above 2^31-1, which the integer columns cannot hold, with rule max', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id });
      expect(await firstIssue(suite.db.posts.updateEngagement(id, { likes: 2 ** 31 }))).toEqual({ property: 'likes', rule: 'max' });
      expect(await firstIssue(suite.db.posts.upsertByFacebookId({ facebookPostId: id, sharesCount: 2 ** 31 }))).toEqual({ property: 'sharesCount', rule: 'max' });
      expect((await suite.db.posts.findByFacebookId(id))?.likesCount).toBe(0);
    });

    it('stores counts of 2^31-1', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id });
      expect((await suite.db.posts.updateEngagement(id, { likes: 2 ** 31 - 1, comments: 2 ** 31 - 1, shares: 2 ** 31 - 1 })).likesCount).toBe(2 ** 31 - 1);
      expect((await suite.db.posts.top({ by: 'engagement', limit: 1 }))[0]?.facebookPostId).toBe(id);
    });

    it('refuses engagement keys such as constructor, toString and __proto__ as unknown properties', async () => {
      const id = fbId();
      await suite.db.posts.upsertByFacebookId({ facebookPostId: id });
      for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        const counts = Object.defineProperty({}, key, { value: 1, enumerable: true });
        expect(await firstIssue(suite.db.posts.updateEngagement(id, counts))).toEqual({ property: key, rule: 'unknownProperty' });
      }
    });

    it('refuses publishedAt outside 1970..9999 with rule dateRange, writing nothing', async () => {
      expect(await firstIssue(suite.db.posts.upsertByFacebookId({ facebookPostId: fbId(), publishedAt: new Date(Date.UTC(10000, 0, 1)) }))).toEqual({ property: 'publishedAt', rule: 'dateRange' });
      expect(await postCount()).toBe(0);
    });

    it('refuses a ranking named after an Object method', async () => {
      expect(await firstIssue(suite.db.posts.top({ by: 'constructor' as 'likes' }))).toEqual({ property: 'by', rule: 'isIn' });
    });

    it('refuses a Facebook id longer than its column instead of looking it up', async () => {
      expect(await firstIssue(suite.db.posts.findByFacebookId('1'.repeat(40_000)))).toEqual({ property: 'facebookPostId', rule: 'maxLength' });
    });
  });
});
