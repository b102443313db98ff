import type { DataSource } from 'typeorm';

type PgClientClass = new (config?: Record<string, unknown>) => object;

/**
 * Gives each new PostgreSQL connection `connectTimeoutMs` to open, through a
 * pg `Client` subclass handed to the pool, while the pool itself waits up to
 * {@link poolAcquireTimeoutMs} for a free slot under load.
 */
export function usePerConnectionConnectTimeout(dataSource: DataSource, connectTimeoutMs: number): void {
  const pgModule = (dataSource.driver as unknown as { postgres?: { Client?: PgClientClass } }).postgres;
  const Base = pgModule?.Client;
  if (!Base) return;
  const BaseClient: PgClientClass = Base;
  class TimedClient extends BaseClient {
    constructor(config: Record<string, unknown> = {}) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }

    // After pg's client-side query timeout the query is still pending on the
    // socket: the connection would hold every later query behind it. End it,
    // so the pool drops it and the next call opens a fresh one.
    query(...args: unknown[]): unknown {
      const result = (BaseClient.prototype as unknown as { query: (...a: unknown[]) => unknown }).query.apply(this, args);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Query read timeout') {
            const client = this as unknown as { _queryable: boolean; connection?: { stream?: { destroy(): void } } };
            // Before the pool takes it back (our handler runs first): the pool drops a client that is not queryable.
            client._queryable = false;
            client.connection?.stream?.destroy();
          }
        });
      }
      return result;
    }
  }
  const setClient = (extra: unknown) => {
    if (extra && typeof extra === 'object') (extra as Record<string, unknown>)['Client'] = TimedClient;
  };
  setClient((dataSource.options as { extra?: unknown }).extra);
}
