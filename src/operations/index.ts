/**
 * Operations on a whole database: health, backup and restore, portable
 * export and import.
 *
 * @module
 */
export {
  checkHealth,
  DEFAULT_HEALTH_TIMEOUT_MS,
  EXACT_COUNT_LIMIT,
  type HealthOptions,
  type HealthReport,
  type ReplicaHealth,
  type HealthStatus,
  type PoolStats,
  type TableHealth,
} from './health';
export {
  backupDatabase,
  restoreDatabase,
  type BackupOptions,
  type BackupResult,
  type RestoreOptions,
  type RestoreResult,
} from './backup';
export { exportDatabase, type ExportOptions, type ExportResult } from './export';
export { importDatabase, type ImportOptions, type ImportResult } from './import';
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportHeader,
  type ExportRow,
  type ExportValue,
  type TableRowCount,
} from './format';
export { ImportConsistencyError, ImportLimitError, ImportLineError, type ImportLimit, type ImportMismatch } from './errors';
export {
  DEFAULT_MAX_BLANK_LINES,
  DEFAULT_MAX_EXPANSION,
  DEFAULT_MAX_LINE_BYTES,
  MIN_MAX_DECOMPRESSED_BYTES,
  type LineLimits,
} from './line-reader';
export type { ProgressCallback } from './shared';
