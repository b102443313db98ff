/**
 * The message statistics of a time window, computed in the database:
 * messages per channel, attribution to posts and ad campaigns, and AI
 * response times. Each query takes the window already checked
 * (`checkRange` in time-range.ts) and runs on the manager it is given.
 *
 * @internal
 * @module
 */
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { Message } from '../../entities/message.entity';
import { MessageDirection, MessageSource } from '../../enums';
import { describeValue, invalid } from '../../validation';
import type { AiResponseStats, Attribution, AttributionOptions, MessageTimeRange } from '../message.types';
import { applyRange } from './time-range';

const ATTRIBUTION_DEFAULT_LIMIT = 100;
const ATTRIBUTION_MAX_LIMIT = 500;

/** A row of {@link sourceCountRows}: a channel and its message count as the driver returns it. */
export interface SourceCountRow {
  source: string;
  count: string | number;
}

/** Messages per channel in the window: one `GROUP BY` query. */
export function sourceCountRows(m: EntityManager, dialect: Dialect, window: MessageTimeRange): Promise<SourceCountRow[]> {
  const qb = m.createQueryBuilder(Message, 'm').select('m.source', 'source').addSelect('COUNT(*)', 'count');
  applyRange(qb, dialect, window);
  return qb.groupBy('m.source').getRawMany<SourceCountRow>();
}

/** The counts of {@link sourceCountRows} with every {@link MessageSource} present (0 when none). */
export function countsBySource(rows: readonly SourceCountRow[]): Record<MessageSource, number> {
  const counts = Object.fromEntries(Object.values(MessageSource).map((s) => [s, 0])) as Record<MessageSource, number>;
  for (const row of rows) {
    if (row.source in counts) counts[row.source as MessageSource] = Number(row.count);
  }
  return counts;
}

/** The window's `limit` (default 100), checked: a whole number from 1 to 500. */
export function attributionLimit(window: MessageTimeRange): number {
  const limit: unknown = (window as AttributionOptions).limit ?? ATTRIBUTION_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > ATTRIBUTION_MAX_LIMIT) {
    invalid('AttributionOptions', 'limit', 'range', `limit must be a whole number from 1 to ${ATTRIBUTION_MAX_LIMIT}, got ${describeValue(limit)}`);
  }
  return limit as number;
}

/** Posts and campaigns the window's messages name: two `GROUP BY` queries, most messages first (ties by id). */
export async function queryAttribution(m: EntityManager, dialect: Dialect, window: MessageTimeRange, limit: number): Promise<Attribution> {
  const posts = m
    .createQueryBuilder(Message, 'm')
    .innerJoin('m.post', 'p')
    .select('m.postId', 'postId')
    .addSelect('p.facebookPostId', 'facebookPostId')
    .addSelect('COUNT(*)', 'messages');
  applyRange(posts, dialect, window);
  const postRows = await posts
    .groupBy('m.postId')
    .addGroupBy('p.facebookPostId')
    .orderBy('COUNT(*)', 'DESC')
    .addOrderBy('m.postId', 'ASC')
    .limit(limit)
    .getRawMany<{ postId: number | string; facebookPostId: string; messages: number | string }>();
  const campaigns = m
    .createQueryBuilder(Message, 'm')
    .innerJoin('m.adCampaign', 'a')
    .select('m.adCampaignId', 'adCampaignId')
    .addSelect('a.facebookCampaignId', 'facebookCampaignId')
    .addSelect('a.name', 'name')
    .addSelect('COUNT(*)', 'messages');
  applyRange(campaigns, dialect, window);
  const campaignRows = await campaigns
    .groupBy('m.adCampaignId')
    .addGroupBy('a.facebookCampaignId')
    .addGroupBy('a.name')
    .orderBy('COUNT(*)', 'DESC')
    .addOrderBy('m.adCampaignId', 'ASC')
    .limit(limit)
    .getRawMany<{ adCampaignId: number | string; facebookCampaignId: string; name: string; messages: number | string }>();
  return {
    posts: postRows.map((r) => ({ postId: Number(r.postId), facebookPostId: r.facebookPostId, messages: Number(r.messages) })),
    adCampaigns: campaignRows.map((r) => ({
      adCampaignId: Number(r.adCampaignId),
      facebookCampaignId: r.facebookCampaignId,
      name: r.name,
      messages: Number(r.messages),
    })),
  };
}

/**
 * Count, mean and nearest-rank 50th and 95th percentiles of the AI's reply
 * times in the window: an aggregate and one `ORDER BY ... LIMIT 1 OFFSET rank-1`
 * per percentile; rows are never loaded.
 */
export async function queryAiResponseStats(m: EntityManager, dialect: Dialect, window: MessageTimeRange): Promise<AiResponseStats> {
  const aiReplies = (): SelectQueryBuilder<Message> => {
    const qb = m
      .createQueryBuilder(Message, 'm')
      .where('m.direction = :outbound', { outbound: MessageDirection.OUTBOUND })
      .andWhere('m.isAiResponse = :ai', { ai: true })
      .andWhere('m.aiResponseTimeMs IS NOT NULL');
    applyRange(qb, dialect, window);
    return qb;
  };
  const totals = await aiReplies()
    .select('COUNT(*)', 'count')
    .addSelect('AVG(m.aiResponseTimeMs)', 'mean')
    .getRawOne<{ count: string | number; mean: string | number | null }>();
  const count = Number(totals?.count ?? 0);
  if (count === 0) return { count: 0, meanMs: null, p50Ms: null, p95Ms: null };
  const percentile = async (p: number): Promise<number | null> => {
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    const row = await aiReplies()
      .select('m.aiResponseTimeMs', 'ms')
      .orderBy('m.aiResponseTimeMs', 'ASC')
      .offset(rank - 1)
      .limit(1)
      .getRawOne<{ ms: string | number }>();
    return row === undefined ? null : Number(row.ms);
  };
  return {
    count,
    meanMs: totals?.mean === null || totals?.mean === undefined ? null : Number(totals.mean),
    p50Ms: await percentile(50),
    p95Ms: await percentile(95),
  };
}
