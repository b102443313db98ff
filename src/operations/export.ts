/**
 * Portable export: {@link exportDatabase}. The format is described in
 * `format.ts`; `importDatabase` reads it back into either engine, which is
 * how a database moves from the embedded SQLite to PostgreSQL.
 *
 * **The export holds every value as stored, secrets included** (sensitive
 * `app_settings` values are not masked: it is a backup). It is written
 * owner-only (mode 0600); keep it as safe as the database itself.
 *
 * @module
 */
import { createWriteStream, openSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { Database } from '../database';
import { dialectFor } from '../dialect/index';
import { toDatabaseError } from '../driver-errors';
import { BackupError } from '../errors';
import { executedMigrations, MIGRATIONS_TABLE } from '../migrations/history';
import { columnsOf, EXPORT_FORMAT, EXPORT_VERSION, type ExportHeader, type ExportValue, quote, type Row, type TableRowCount } from './format';
import { asBackupError, openSqliteFile, type ProgressCallback, sqliteHandle, tablesOf } from './shared';
import { assertNotLiveDatabase } from './target-guard';
import { makePrivate, PRIVATE_MODE, removeStaleTempFiles, removeWithSidecars, tempPathFor } from './temp-files';

/** Options of {@link exportDatabase}. */
export interface ExportOptions {
  /** Called after each page of rows: rows written so far out of all rows. */
  onProgress?: ProgressCallback;
  /** Rows read per query (default 1000). Memory use grows with it, not with the database. */
  pageSize?: number;
}

/** What {@link exportDatabase} wrote. */
export interface ExportResult {
  /** The absolute path of the export file. */
  file: string;
  /** How many rows it holds. */
  rows: number;
  /** Its size in bytes (compressed, for `.gz`). */
  bytes: number;
  /** Rows per table, in file order. */
  tables: TableRowCount[];
  /** The migration recorded in the header. */
  migration: string;
  /** How long the export took, in milliseconds. */
  durationMs: number;
}

const DEFAULT_PAGE_SIZE = 1000;

/** Reads from one consistent snapshot of the database. */
interface SnapshotReader {
  all(sql: string, params: unknown[]): Promise<Row[]>;
}

/**
 * Runs `fn` on one consistent view of the database without blocking writers
 * where the engine allows: PostgreSQL in a REPEATABLE READ, READ ONLY
 * transaction on a connection of its own; a SQLite file through a second,
 * read-only handle in one read transaction (WAL readers do not block
 * writers); an in-memory SQLite database, which no second handle can see,
 * as one unit of work in the database's queue.
 */
async function withSnapshot<T>(db: Database, fn: (reader: SnapshotReader) => Promise<T>): Promise<T> {
  if (db.engine === 'postgres') {
    const runner = db.dataSource.createQueryRunner('master');
    try {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      try {
        const result = await fn({ all: (sql, params) => runner.query(sql, params) as Promise<Row[]> });
        await runner.query('COMMIT');
        return result;
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw toDatabaseError(error, 'postgres');
    } finally {
      await runner.release().catch(() => undefined);
    }
  }
  const main = sqliteHandle(db);
  if (main.memory) {
    return db.run((manager) => fn({ all: (sql, params) => manager.query(sql, params) as Promise<Row[]> }));
  }
  let handle: BetterSqlite3.Database;
  try {
    handle = openSqliteFile(db, main.name, { readonly: true });
  } catch (error) {
    throw toDatabaseError(error, 'sqlite');
  }
  try {
    handle.exec('BEGIN');
    const result = await fn({
      all: async (sql, params) => handle.prepare(sql).all(...params) as Row[],
    });
    handle.exec('COMMIT');
    return result;
  } catch (error) {
    throw toDatabaseError(error, 'sqlite');
  } finally {
    handle.close();
  }
}

/** A raw value as it goes into the export file. */
function toJson(db: Database, table: string, column: ColumnMetadata | undefined, raw: unknown, id: unknown): ExportValue {
  const value: unknown = column ? db.dataSource.driver.prepareHydratedValue(raw, column) : raw;
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new BackupError(`${table} row ${String(id)}: column ${column?.databaseName ?? '?'} holds an invalid date (${String(raw)})`);
    }
    return value.toISOString();
  }
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value as ExportValue;
}

/**
 * Writes every table of the database to one NDJSON file (gzip-compressed
 * when `target` ends in `.gz`), portable between SQLite and PostgreSQL.
 *
 * The export is **streamed**: rows are read by keyset pages ordered by `id`
 * and written with backpressure, so memory stays flat however large the
 * database. All pages come from one consistent snapshot (see the module
 * notes); on SQLite files and PostgreSQL, writers carry on meanwhile, while
 * an in-memory SQLite database holds its queue for the duration.
 *
 * The file is written under a temporary name in the same folder, owner-only
 * (mode 0600), and renamed into place when complete, so a failed export
 * leaves no half-written file and an older file under `target` intact.
 * Temporary files that a killed export or backup left in that folder are
 * removed first. **It contains every value as stored, including sensitive
 * settings**: protect it like the database.
 *
 * @param db - the database to export (migrated, or the header has no migration to record).
 * @param target - the file to write; a name ending in `.gz` is gzip-compressed.
 * @param options - progress callback and page size.
 * @returns the file, the row counts, the migration and the size.
 * @throws {@link BackupError} when `target` is the live SQLite database or
 * one of its `-wal`/`-shm`/`-journal` files (under any path, link or hard
 * link; nothing is touched), when the database has no migrations table or
 * lacks a table, or the file cannot be written.
 * @example
 * ```ts
 * await exportDatabase(db, './crm-export.ndjson.gz', { onProgress: (done, total) => bar.update(done, total) });
 * ```
 */
export async function exportDatabase(db: Database, target: string, options: ExportOptions = {}): Promise<ExportResult> {
  const started = performance.now();
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE));
  const finalPath = resolve(target);
  await assertNotLiveDatabase(db, target, 'Export');
  await removeStaleTempFiles(dirname(finalPath));
  const tmp = tempPathFor(finalPath);
  const metas = tablesOf(db);
  const dialect = dialectFor(db.engine);
  try {
    const summary = await withSnapshot(db, async (reader) => {
      const names = new Set((await reader.all(dialect.listTablesSql, [])).map((r) => String(r['name'])));
      if (!names.has(MIGRATIONS_TABLE)) {
        throw new BackupError('The database has no migrations table: run migrate before exporting');
      }
      const missing = metas.filter((m) => !names.has(m.tableName)).map((m) => m.tableName);
      if (missing.length > 0) throw new BackupError(`The database lacks the table(s) ${missing.join(', ')}: run migrate before exporting`);
      const migration = (await executedMigrations((sql) => reader.all(sql, []))).at(-1);
      if (migration === undefined) throw new BackupError('The database has run no migration: run migrate before exporting');
      const [countRow] = await reader.all(dialect.countRowsSql(metas.map((m) => m.tableName)), []);
      const tables = metas.map((m) => ({ name: m.tableName, rows: Number(countRow?.[m.tableName] ?? 0) }));
      const total = tables.reduce((sum, t) => sum + t.rows, 0);
      const header: ExportHeader = {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        migration,
        exportedAt: new Date().toISOString(),
        tables,
      };

      let written = 0;
      async function* chunks(): AsyncGenerator<string> {
        yield `${JSON.stringify(header)}\n`;
        options.onProgress?.(0, total);
        for (const meta of metas) {
          const table = meta.tableName;
          const columns = columnsOf(meta);
          let order: string[] | undefined;
          let after: unknown;
          for (;;) {
            const rows =
              after === undefined
                ? await reader.all(`SELECT * FROM ${quote(table)} ORDER BY "id" LIMIT ${pageSize}`, [])
                : await reader.all(`SELECT * FROM ${quote(table)} WHERE "id" > ${dialect.param(1)} ORDER BY "id" LIMIT ${pageSize}`, [after]);
            if (rows.length === 0) break;
            if (!order) {
              // Entity order first (the same on both engines), then anything the entities do not know.
              const keys = Object.keys(rows[0] ?? {});
              order = [...[...columns.keys()].filter((k) => keys.includes(k)), ...keys.filter((k) => !columns.has(k))];
            }
            let text = '';
            for (const raw of rows) {
              const row: Record<string, ExportValue> = {};
              for (const key of order) row[key] = toJson(db, table, columns.get(key), raw[key], raw['id']);
              text += `${JSON.stringify({ table, row })}\n`;
            }
            after = rows[rows.length - 1]?.['id'];
            written += rows.length;
            yield text;
            options.onProgress?.(written, total);
            if (rows.length < pageSize) break;
          }
        }
      }

      const source = Readable.from(chunks(), { objectMode: false });
      // Opened before the first row is read, so the 0600 file exists (and a name clash fails) at once.
      const out = createWriteStream(tmp, { fd: openSync(tmp, 'wx', PRIVATE_MODE) });
      if (/\.gz$/i.test(finalPath)) await pipeline(source, createGzip(), out);
      else await pipeline(source, out);
      return { tables, migration, rows: written };
    });
    await makePrivate(tmp);
    await rename(tmp, finalPath);
    const { size } = await stat(finalPath);
    return {
      file: finalPath,
      rows: summary.rows,
      bytes: size,
      tables: summary.tables,
      migration: summary.migration,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    await removeWithSidecars(tmp).catch(() => undefined);
    throw asBackupError(error, `Export to ${target} failed`);
  }
}
