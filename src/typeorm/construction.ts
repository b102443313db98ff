import type { DataSource, DataSourceOptions } from 'typeorm';

/** TypeORM's `cache` option in its object form. */
type CacheOption = Extract<NonNullable<DataSourceOptions['cache']>, object>;

/** What TypeORM expects `cache.provider` to return (its `QueryResultCache`). */
type QueryResultCache = ReturnType<NonNullable<CacheOption['provider']>>;

/**
 * A `cache` option that calls `adapt(dataSource)` for every DataSource built
 * from options holding it, while TypeORM constructs it: after the driver
 * exists and before anything connects or any metadata is built.
 *
 * This is how the library's adjustments (column types, SQLite queries and
 * files, pg clients) travel inside plain options, so that
 * `new DataSource(options)`, `TypeOrmModule.forRoot(options)` and the
 * TypeORM CLI get them as `createDataSource` does. TypeORM 1.1.1 calls
 * `cache.provider(dataSource)` exactly once, in the DataSource constructor
 * (`this.queryResultCache = options.cache ? new QueryResultCacheFactory(this).create() : undefined`),
 * right after `this.driver = new DriverFactory().create(this)`; it is the
 * only option TypeORM calls with the DataSource itself (`logger` and
 * `namingStrategy` never see it, subscribers are built only in
 * `initialize()`, after the driver connected).
 *
 * The provider returns no cache, so the DataSource has no query-result cache,
 * the same as without the option: every use of the cache in TypeORM
 * (`initialize`, `destroy`, the schema builder, `SelectQueryBuilder`) checks
 * `dataSource.queryResultCache` first. `setOptions()` does not call it again
 * unless given a new `cache`.
 * @internal
 */
export function adaptOnConstruction(adapt: (dataSource: DataSource) => void): CacheOption {
  return {
    provider: (dataSource: DataSource) => {
      adapt(dataSource);
      return undefined as unknown as QueryResultCache;
    },
  };
}
