import { AdCampaign } from '../entities/ad-campaign.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Queries and commands on {@link AdCampaign}. Reached as `db.adCampaigns`. */
export class AdCampaignRepository extends EntityRepository<AdCampaign> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, AdCampaign);
  }
}
