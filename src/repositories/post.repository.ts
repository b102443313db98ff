import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { SQLITE_NOW, type Engine } from '../column-types';
import type { TimestampedEntity } from '../entities/base-record';
import { Post } from '../entities/post.entity';
import type { PostType } from '../enums';
import { NotFoundError } from '../errors';
import { invalid } from '../validation';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

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
  /** Likes, a whole number >= 0. */
  likesCount?: number;
  /** Comments, a whole number >= 0. */
  commentsCount?: number;
  /** Shares, a whole number >= 0. */
  sharesCount?: number;
  /** When the post went live. */
  publishedAt?: Date | null;
}

/** New engagement counts of a post; each omitted count is left as stored. */
export interface PostEngagement {
  /** Likes, a whole number >= 0. */
  likes?: number;
  /** Comments, a whole number >= 0. */
  comments?: number;
  /** Shares, a whole number >= 0. */
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

const ENGAGEMENT_COLUMNS: Readonly<Record<keyof PostEngagement, keyof Post>> = {
  likes: 'likesCount',
  comments: 'commentsCount',
  shares: 'sharesCount',
};

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
   * @throws {@link EntityValidationError} when `facebookPostId` is not a non-empty string.
   * @example
   * ```ts
   * const post = await db.posts.findByFacebookId('1234567890_987654321');
   * ```
   */
  async findByFacebookId(facebookPostId: string): Promise<Post | null> {
    checkFacebookId('Post', 'facebookPostId', facebookPostId);
    return this.ctx.run((m) => m.findOneBy(Post, { facebookPostId }));
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
    const values = pickInput('Post', data as unknown as Record<string, unknown>, POST_INPUT_KEYS);
    await this.build(values as Partial<Post>);
    const facebookPostId = data.facebookPostId;
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
   * @throws {@link EntityValidationError} for a negative, fractional or non-number count; nothing is written.
   * @throws {@link NotFoundError} when no post has this Facebook id.
   * @example
   * ```ts
   * const post = await db.posts.updateEngagement('1234567890_987654321', { likes: 130, comments: 14 });
   * ```
   */
  async updateEngagement(facebookPostId: string, counts: PostEngagement): Promise<Post> {
    checkFacebookId('Post', 'facebookPostId', facebookPostId);
    if (typeof counts !== 'object' || counts === null) invalid('Post', 'counts', 'isObject', 'counts must be an object');
    const set: Record<string, number> = {};
    for (const [key, value] of Object.entries(counts)) {
      if (value === undefined) continue;
      const column = ENGAGEMENT_COLUMNS[key as keyof PostEngagement];
      if (!column) invalid('Post', key, 'unknownProperty', `${key} is not an engagement count (likes, comments, shares)`);
      checkCount('Post', key, value);
      set[column] = value as number;
    }
    return this.ctx.run(async (m) => {
      if (Object.keys(set).length > 0) {
        await updateRow(m, this.ctx.engine, Post, { facebookPostId }, set);
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
    const by = options?.by;
    const expression = typeof by === 'string' && Object.hasOwn(RANKING_SQL, by) ? RANKING_SQL[by] : undefined;
    if (expression === undefined) {
      invalid('TopPostsOptions', 'by', 'isIn', `by must be one of ${Object.keys(RANKING_SQL).join(', ')}`);
    }
    const limit = options.limit ?? DEFAULT_TOP_POSTS;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_POSTS) {
      invalid('TopPostsOptions', 'limit', 'range', `limit must be a whole number from 1 to ${MAX_TOP_POSTS}`);
    }
    return this.ctx.run((m) =>
      m.createQueryBuilder(Post, 'p').orderBy(expression, 'DESC').addOrderBy('p.id', 'ASC').limit(limit).getMany(),
    );
  }

  /**
   * Deletes a post. Messages attributed to it keep existing with `postId`
   * set to `null` (the foreign key is `ON DELETE SET NULL`).
   *
   * @returns `true` if a post was deleted, `false` if there was none.
   * @throws {@link EntityValidationError} when `id` is not a positive whole number.
   * @example
   * ```ts
   * await db.posts.delete(post.id);
   * ```
   */
  async delete(id: number): Promise<boolean> {
    checkId('Post', id);
    const result = await this.ctx.run((m) => m.delete(Post, { id }));
    return (result.affected ?? 0) > 0;
  }
}

/**
 * `INSERT ... ON CONFLICT (<key>) DO UPDATE SET` the given columns and
 * `updated_at`: one atomic statement on both engines. `values` holds only the
 * properties the caller set, so the database defaults apply on insert and
 * untouched columns keep their stored value on update. `guard` (PostgreSQL
 * only) is SQL that must hold for the conflicting row to be updated.
 * @internal
 */
export async function upsertRow<T extends TimestampedEntity>(
  manager: EntityManager,
  entity: new () => T,
  values: Record<string, unknown>,
  key: keyof T & string,
  options: { guard?: string | undefined } = {},
): Promise<void> {
  const metadata = manager.connection.getMetadata(entity);
  const column = (property: string): string => {
    const found = metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`${entity.name} has no column for ${property}`);
    return found.databaseName;
  };
  // EXCLUDED.updated_at is the new row's default (now), so updates refresh it on both engines.
  const overwrite = [...Object.keys(values).filter((p) => p !== key).map(column), column('updatedAt')];
  await manager
    .createQueryBuilder()
    .insert()
    .into(entity)
    .values(values as QueryDeepPartialEntity<T>)
    .orUpdate(overwrite, [column(key)], options.guard ? { overwriteCondition: { where: options.guard } } : undefined)
    .updateEntity(false)
    .execute();
}

/**
 * UPDATE of the given columns where `where` matches; `updated_at` keeps
 * milliseconds on SQLite (TypeORM alone would write whole seconds).
 * @internal
 */
export async function updateRow<T extends TimestampedEntity>(
  manager: EntityManager,
  engine: Engine,
  entity: new () => T,
  where: Record<string, unknown>,
  values: Record<string, unknown>,
): Promise<void> {
  const set = (engine === 'sqlite' ? { ...values, updatedAt: () => SQLITE_NOW } : values) as QueryDeepPartialEntity<T>;
  await manager.createQueryBuilder().update(entity).set(set).where(where).execute();
}

/**
 * Keeps the properties of `input` that are set; refuses anything that is not
 * a known input property.
 * @internal
 */
export function pickInput(entity: string, input: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) invalid(entity, 'input', 'isObject', `expected an object of ${entity} values`);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!keys.has(key)) invalid(entity, key, 'unknownProperty', `${key} is not a ${entity} field that can be set`);
    values[key] = value;
  }
  return values;
}

/** Refuses anything but a non-empty string. @internal */
export function checkFacebookId(entity: string, property: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') invalid(entity, property, 'isNotEmpty', `${property} must be a non-empty string`);
}

/** Refuses anything but a non-negative safe integer. @internal */
export function checkCount(entity: string, property: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(entity, property, 'min', `${property} must be a whole number >= 0 (and at most ${Number.MAX_SAFE_INTEGER})`);
  }
}

/** Refuses anything but a positive safe integer id. @internal */
export function checkId(entity: string, id: unknown): asserts id is number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) invalid(entity, 'id', 'isInt', 'id must be a positive whole number');
}
