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
export {
  exportDatabase,
  importDatabase,
  ImportLineError,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportHeader,
  type ExportOptions,
  type ExportResult,
  type ExportRow,
  type ImportOptions,
  type ImportResult,
  type ExportValue,
  type TableRowCount,
} from './export';
export type { ProgressCallback } from './shared';
