/**
 * The time window of the message statistics ({@link MessageTimeRange}):
 * checked before any SQL runs, then applied to a query on `created_at`.
 *
 * @internal
 * @module
 */
import type { SelectQueryBuilder } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import type { Message } from '../../entities/message.entity';
import type { MessageTimeRange } from '../message.types';
import { checkDate, optionsOf } from '../support/checks';

/** The window, checked: an object (or `undefined`) whose `since` and `until` are valid Dates from 1970 to 9999 when given. */
export function checkRange(range: MessageTimeRange | undefined): MessageTimeRange {
  const window = optionsOf('MessageTimeRange', 'range', range);
  if (window.since !== undefined) checkDate('MessageTimeRange', 'since', window.since);
  if (window.until !== undefined) checkDate('MessageTimeRange', 'until', window.until);
  return window;
}

/** Restricts `qb` (messages aliased `m`) to the window: `since` inclusive, `until` exclusive. */
export function applyRange(qb: SelectQueryBuilder<Message>, dialect: Dialect, range: MessageTimeRange): void {
  if (range.since !== undefined) qb.andWhere(`m.createdAt >= ${dialect.timestampParam('since')}`, { since: dialect.dateParam(range.since) });
  if (range.until !== undefined) qb.andWhere(`m.createdAt < ${dialect.timestampParam('until')}`, { until: dialect.dateParam(range.until) });
}
