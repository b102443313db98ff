import { Message } from '../entities/message.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link Message}. Reached as `db.messages`. */
export class MessageRepository extends EntityRepository<Message> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Message);
  }
}
