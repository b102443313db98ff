/**
 * What differs between SQLite and PostgreSQL: one {@link Dialect} per engine.
 * See `dialect.ts`.
 *
 * @internal
 * @module
 */
export { dialectFor, type Dialect, type IsolationLevel, type Row, type RowLock, type SqlRunner } from './dialect';
export { sqliteDialect, SQLITE_NOW } from './sqlite-dialect';
export { postgresDialect } from './postgres-dialect';
export { countRowsSql, quoteIdentifier, rowsOf } from './common';
