import { Post } from '../entities/post.entity';
import type { PostType } from '../enums';
import { NotFoundError } from '../errors';
import { describeValue, invalid } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';
import { checkCount, checkId, checkKey, checkObject, optionsOf, pickInput } from './support/checks';
import { updateRow, upsertRow, validated } from './support/writes';

/**
 * The values of {@link PostRepository.upsertByFacebookId}. Only
 * `facebookPostId` is required. On insert, omitted columns take their
 * defaults (`postType` POST, counts 0); on update, omitted properties are left
 * as stored and `null` clears a nullable column.
 */
export interface UpsertPostInput {
  /** Facebook's id of the post (the unique key). */
  facebookPostId: string;
  /** Post, story, reel or ad creative. */
  postType?: PostType;
  /** The post's text. */
  content?: string | null;
  /** The post's URL on Facebook (http or https). */
  permalinkUrl?: string | null;
  /** The post's image or video URL (http or https). */
  mediaUrl?: string | null;
  /** Likes, a whole number from 0 to 2147483647. */
  likesCount?: number;
  /** Comments, a whole number from 0 to 2147483647. */
  commentsCount?: number;
  /** Shares, a whole number from 0 to 2147483647. */
  sharesCount?: number;
  /** When the post went live, 1970 to 9999. */
  publishedAt?: Date | null;
}

/** New engagement counts of a post; each omitted count is left as stored. */
export interface PostEngagement {
  /** Likes, a whole number from 0 to 2147483647. */
  likes?: number;
  /** Comments, a whole number from 0 to 2147483647. */
  comments?: number;
  /** Shares, a whole number from 0 to 2147483647. */
  shares?: number;
}

/** What {@link PostRepository.top} ranks by; `engagement` is likes + comments + shares. */
export type PostRanking = 'likes' | 'comments' | 'shares' | 'engagement';

/** Options of {@link PostRepository.top}. */
export interface TopPostsOptions {
  /** The count to rank by. */
  by: PostRanking;
  /** How many posts, 1 to {@link MAX_TOP_POSTS} (default {@link DEFAULT_TOP_POSTS}). */
  limit?: number;
}

/** How many posts {@link PostRepository.top} returns when no limit is given. */
export const DEFAULT_TOP_POSTS = 10;
/** The most posts {@link PostRepository.top} returns. */
export const MAX_TOP_POSTS = 100;

const POST_INPUT_KEYS: ReadonlySet<string> = new Set<keyof UpsertPostInput>([
  'facebookPostId',
  'postType',
  'content',
  'permalinkUrl',
  'mediaUrl',
  'likesCount',
  'commentsCount',
  'sharesCount',
  'publishedAt',
]);

const ENGAGEMENT_COLUMNS: ReadonlyMap<string, keyof Post> = new Map<keyof PostEngagement, keyof Post>([
  ['likes', 'likesCount'],
  ['comments', 'commentsCount'],
  ['shares', 'sharesCount'],
]);

/** Column length of `facebook_post_id`. */
const FACEBOOK_ID_LENGTH = 255;

// CAST to BIGINT so the sum of three integer columns cannot overflow on PostgreSQL.
const RANKING_SQL: Readonly<Record<PostRanking, string>> = {
  likes: 'p.likesCount',
  comments: 'p.commentsCount',
  shares: 'p.sharesCount',
  engagement: 'CAST(p.likesCount AS BIGINT) + p.commentsCount + p.sharesCount',
};

/**
 * Queries and commands on {@link Post}: Facebook posts, stories, reels and
 * ad creatives that conversations are attributed to. Reached as `db.posts`.
 */
export class PostRepository extends EntityRepository<Post> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Post);
  }

  /**
   * The post with this Facebook id, or `null`.
   *
   * @throws {@link EntityValidationError} when `facebookPostId` is not a non-empty string
   *   of at most 255 characters, or has a NUL or a lone surrogate.
   * @example
   * ```ts
   * const post = await db.posts.findByFacebookId('1234567890_987654321');
   * ```
   */
  async findByFacebookId(facebookPostId: string): Promise<Post | null> {
    checkKey('Post', 'facebookPostId', facebookPostId, FACEBOOK_ID_LENGTH);
    return this.ctx.read((m) => m.findOneBy(Post, { facebookPostId }));
  }

  /**
   * Inserts the post, or updates the stored one with the same
   * `facebookPostId`. Race-safe: it is one `INSERT ... ON CONFLICT
   * (facebook_post_id) DO UPDATE` statement, so any number of concurrent calls
   * for one Facebook id leave exactly one row and never raise a duplicate-key
   * error (the last writer's values win). On update only the properties given
   * are changed (and `updatedAt`).
   *
   * @param data - The post; `facebookPostId` is required.
   * @returns The post as stored after the write.
   * @throws {@link EntityValidationError} for invalid or unknown properties; nothing is written.
   * @example
   * ```ts
   * const post = await db.posts.upsertByFacebookId({
   *   facebookPostId: '1234567890_987654321',
   *   postType: PostType.REEL,
   *   content: 'New collection is here',
   *   likesCount: 120,
   * });
   * ```
   */
  async upsertByFacebookId(data: UpsertPostInput): Promise<Post> {
    const values = pickInput('Post', data, POST_INPUT_KEYS);
    const post = await validated(Post, values as Partial<Post>);
    const facebookPostId = post.facebookPostId;
    return this.ctx.run(async (m) => {
      await upsertRow(m, Post, values, 'facebookPostId');
      return m.findOneByOrFail(Post, { facebookPostId });
    });
  }

  /**
   * Sets a post's like, comment and share counts (absolute values from the
   * Graph API, not increments). Omitted counts are left as stored.
   *
   * @param facebookPostId - Facebook's id of the post.
   * @param counts - The new counts, whole numbers >= 0.
   * @returns The post after the change.
   * @throws {@link EntityValidationError} for a count that is not a whole number from 0 to
   *   2147483647, an unknown key, or a bad Facebook id; nothing is written.
   * @throws {@link NotFoundError} when no post has this Facebook id.
   * @example
   * ```ts
   * const post = await db.posts.updateEngagement('1234567890_987654321', { likes: 130, comments: 14 });
   * ```
   */
  async updateEngagement(facebookPostId: string, counts: PostEngagement): Promise<Post> {
    checkKey('Post', 'facebookPostId', facebookPostId, FACEBOOK_ID_LENGTH);
    checkObject('Post', 'counts', counts);
    const set: Record<string, number> = {};
    for (const key of Object.keys(counts)) {
      const value: unknown = (counts as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const column = ENGAGEMENT_COLUMNS.get(key);
      if (column === undefined) {
        const quoted = key.length > 32 ? `${key.slice(0, 32)}...` : key;
        invalid('Post', quoted, 'unknownProperty', `${quoted} is not an engagement count (likes, comments, shares)`);
      }
      checkCount('Post', key, value);
      set[column] = value;
    }
    return this.ctx.run(async (m) => {
      if (Object.keys(set).length > 0) {
        await updateRow(m, this.ctx.dialect, Post, { facebookPostId }, set);
      }
      const post = await m.findOneBy(Post, { facebookPostId });
      if (!post) throw new NotFoundError('Post', { facebookPostId });
      return post;
    });
  }

  /**
   * The posts with the most likes, comments, shares or total engagement
   * (likes + comments + shares), highest first; ties go to the older post
   * (smaller id) first.
   *
   * @param options - What to rank by and how many (1 to 100, default 10).
   * @throws {@link EntityValidationError} for an unknown `by` or a bad `limit`.
   * @example
   * ```ts
   * const best = await db.posts.top({ by: 'engagement', limit: 5 });
   * ```
   */
  async top(options: TopPostsOptions): Promise<Post[]> {
    const { by, limit: given } = optionsOf('TopPostsOptions', 'options', options);
    const expression = typeof by === 'string' && Object.hasOwn(RANKING_SQL, by) ? RANKING_SQL[by] : undefined;
    if (expression === undefined) {
      invalid('TopPostsOptions', 'by', 'isIn', `by must be one of ${Object.keys(RANKING_SQL).join(', ')}`);
    }
    const limit: unknown = given ?? DEFAULT_TOP_POSTS;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_TOP_POSTS) {
      invalid('TopPostsOptions', 'limit', 'range', `limit must be a whole number from 1 to ${MAX_TOP_POSTS}, got ${describeValue(limit)}`);
    }
    return this.ctx.read((m) =>
      m
        .createQueryBuilder(Post, 'p')
        .orderBy(expression, 'DESC')
        .addOrderBy('p.id', 'ASC')
        .limit(limit as number)
        .getMany(),
    );
  }

  /**
   * Deletes a post. Messages attributed to it keep existing with `postId`
   * set to `null` (the foreign key is `ON DELETE SET NULL`).
   *
   * @returns `true` if a post was deleted, `false` if there was none.
   * @throws {@link EntityValidationError} when `id` is not a whole number from 1 to 2147483647.
   * @example
   * ```ts
   * await db.posts.delete(post.id);
   * ```
   */
  async delete(id: number): Promise<boolean> {
    checkId('Post', 'id', id);
    const result = await this.ctx.run((m) => m.delete(Post, { id }));
    return (result.affected ?? 0) > 0;
  }
}
