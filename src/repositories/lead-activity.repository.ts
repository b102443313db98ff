import { LeadActivity } from '../entities/lead-activity.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link LeadActivity}. Reached as `db.leadActivities`. */
export class LeadActivityRepository extends EntityRepository<LeadActivity> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, LeadActivity);
  }
}
