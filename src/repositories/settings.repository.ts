import { AppSettings } from '../entities/app-settings.entity';
import { EntityRepository } from './base.repository';
import type { RepositoryContext } from './context';

/** Typed application settings. Reached as `db.settings`. */
export class SettingsRepository extends EntityRepository<AppSettings> {
  /** @internal */
  constructor(ctx: RepositoryContext) {
    super(ctx, AppSettings);
  }
}
