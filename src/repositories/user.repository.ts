import { User } from '../entities/user.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link User}. Reached as `db.users`. */
export class UserRepository extends EntityRepository<User> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, User);
  }
}
