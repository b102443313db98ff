import { AdvancedConsoleLogger, type LoggerOptions, type QueryRunner } from 'typeorm';
import { REDACTED, scrubMessage } from './driver-errors';

/** What query logs show instead of a parameter that may hold a secret. */
export { REDACTED } from './driver-errors';

type Parameters = unknown[] | Record<string, unknown> | undefined;

/** Settings values may be secrets: never print the parameters of a query on their table. */
function redact(query: string, parameters: Parameters): Parameters {
  if (parameters === undefined) return parameters;
  if (!/app_settings/i.test(query)) {
    // SQLite gets whole numbers as BigInt (see data-source.ts); JSON cannot print those.
    return Array.isArray(parameters) ? parameters.map((p) => (typeof p === 'bigint' ? Number(p) : p)) : parameters;
  }
  return Array.isArray(parameters)
    ? parameters.map(() => REDACTED)
    : Object.fromEntries(Object.keys(parameters).map((k) => [k, REDACTED]));
}

/**
 * TypeORM's console logger, except that parameters of queries on
 * `app_settings` (where sensitive values live) are printed as `[redacted]`,
 * and URL passwords in messages as `****`.
 */
export class RedactingLogger extends AdvancedConsoleLogger {
  /** @param options which levels to log, as TypeORM's `logging` option. */
  constructor(options?: LoggerOptions) {
    super(options);
  }

  /** Logs a query with redacted parameters. */
  override logQuery(query: string, parameters?: Parameters, queryRunner?: QueryRunner): void {
    // Called for every query: skip the redaction when query logging is off.
    if (!this.isLogEnabledFor('query')) return;
    super.logQuery(query, redact(query, parameters) as never, queryRunner);
  }

  /** Logs a failed query with redacted parameters and a scrubbed error. */
  override logQueryError(error: string | Error, query: string, parameters?: Parameters, queryRunner?: QueryRunner): void {
    const message = scrubMessage(typeof error === 'string' ? error : error.message);
    super.logQueryError(message, query, redact(query, parameters) as never, queryRunner);
  }

  /** Logs a slow query with redacted parameters. */
  override logQuerySlow(time: number, query: string, parameters?: Parameters, queryRunner?: QueryRunner): void {
    super.logQuerySlow(time, query, redact(query, parameters) as never, queryRunner);
  }
}
