/**
 * `UserRepository.leadFunnel`: users per funnel stage, every stage present.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import { User } from '../../entities/user.entity';
import { LeadStage } from '../../enums';

/** A row of {@link stageCountRows}: a stage and its user count as the driver returns it. */
export interface StageCountRow {
  stage: string;
  count: string | number;
}

/** Users per stage: one `GROUP BY` query, active or not. */
export function stageCountRows(m: EntityManager): Promise<StageCountRow[]> {
  return m
    .createQueryBuilder(User, 'u')
    .select('u.leadStage', 'stage')
    .addSelect('COUNT(*)', 'count')
    .groupBy('u.leadStage')
    .getRawMany<StageCountRow>();
}

/** The counts of {@link stageCountRows} with every {@link LeadStage} present (0 when empty). */
export function funnelOf(rows: readonly StageCountRow[]): Record<LeadStage, number> {
  const funnel = Object.fromEntries(Object.values(LeadStage).map((s) => [s, 0])) as Record<LeadStage, number>;
  for (const row of rows) {
    if (row.stage in funnel) funnel[row.stage as LeadStage] = Number(row.count);
  }
  return funnel;
}
