import { Conversation } from '../entities/conversation.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link Conversation}. Reached as `db.conversations`. */
export class ConversationRepository extends EntityRepository<Conversation> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, Conversation);
  }
}
