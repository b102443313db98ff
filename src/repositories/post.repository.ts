import { Post } from '../entities/post.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link Post}. Reached as `db.posts`. */
export class PostRepository extends EntityRepository<Post> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Post);
  }
}
