/**
 * Portable import: {@link importDatabase} loads a file written by
 * `exportDatabase` (from either engine) into an empty, migrated database of
 * either engine.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Database } from '../database';
import { dialectFor } from '../dialect/index';
import { redactValues, toDatabaseError } from '../driver-errors';
import { BackupError, isMigochatDbError } from '../errors';
import { executedMigrations, MIGRATIONS_TABLE } from '../migrations/history';
import { ImportLineError } from './errors';
import { columnsOf, EXPORT_FORMAT, EXPORT_VERSION, type ExportHeader, quote, type Row, type TableRowCount } from './format';
import { checkConsistency } from './import-checks';
import { clipped, type ImportTable, parseEntry, prepareRow, shown } from './import-row';
import { type Line, type LineLimits, readLines } from './line-reader';
import { asBackupError, errorText, type ProgressCallback, tablesOf } from './shared';

/** Options of {@link importDatabase}; the limits are those of the line reader. */
export interface ImportOptions extends LineLimits {
  /** Called after each batch: rows inserted so far out of the rows the header announces. */
  onProgress?: ProgressCallback;
  /** Rows per INSERT statement (default 500, fewer for wide tables). */
  batchSize?: number;
}

/** What {@link importDatabase} did. */
export interface ImportResult {
  /** The absolute path of the file imported. */
  file: string;
  /** How many rows were inserted. */
  rows: number;
  /** Rows per table. */
  tables: TableRowCount[];
  /** The migration recorded in the file's header. */
  migration: string;
  /** How long the import took, in milliseconds. */
  durationMs: number;
}

const DEFAULT_BATCH_SIZE = 500;
/** Stay well under SQLite's 32 766 and PostgreSQL's 65 535 bound parameters per statement. */
const MAX_PARAMS = 30_000;

interface Batch {
  table: string;
  columns: string[];
  rows: unknown[][];
  lines: number[];
}

type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

function parseHeader(line: Line | undefined, label: string): ExportHeader {
  if (!line) throw new BackupError(`${label} is empty; expected a ${EXPORT_FORMAT} file`);
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    throw new ImportLineError(line.number, `is not a ${EXPORT_FORMAT} header (not JSON); is this an export file?`);
  }
  const header = value as Partial<ExportHeader> | null;
  if (typeof header !== 'object' || header === null || header.format !== EXPORT_FORMAT) {
    throw new ImportLineError(line.number, `is not a ${EXPORT_FORMAT} header; is this an export file?`);
  }
  if (header.version !== EXPORT_VERSION) {
    throw new ImportLineError(
      line.number,
      `export format version ${clipped(JSON.stringify(header.version) ?? 'undefined')} is not supported; this version of @migochat/db reads version ${EXPORT_VERSION}`,
    );
  }
  if (typeof header.migration !== 'string' || header.migration === '') {
    throw new ImportLineError(line.number, 'the header names no migration');
  }
  const tables = header.tables;
  if (
    !Array.isArray(tables) ||
    !tables.every((t) => typeof t === 'object' && t !== null && typeof t.name === 'string' && Number.isSafeInteger(t.rows) && t.rows >= 0)
  ) {
    throw new ImportLineError(line.number, 'the header has no valid "tables" list');
  }
  return header as ExportHeader;
}

/** The database's complaint about a row, as a typed error without the row's values. */
function refusal(db: Database, error: unknown): { message: string; cause: unknown } {
  // Typed first: the column names come from PostgreSQL's detail, which is then blanked.
  const typed = redactValues(toDatabaseError(error, db.engine));
  return { message: typed.message, cause: typed };
}

/**
 * Loads an export made by `exportDatabase` (from either engine) into an
 * empty, migrated database of either engine: the way to move from the
 * embedded SQLite to PostgreSQL, or back.
 *
 * The file is read as a stream, line by line in linear time (gzip detected
 * by its magic bytes), and rows are inserted in batches, all inside **one
 * transaction**: any problem rolls everything back and the database stays
 * empty. Every row is checked first as the repositories check what they
 * write: each value against its column's type, then the entity's rules
 * (e.g. an email must be an email, a psid at most 64 characters, an enum
 * column one of its values, a setting's value readable as its type). A bad
 * line stops the import with an {@link ImportLineError} carrying its line
 * number (never the value of a sensitive setting). After the last row the
 * rows must agree with each other (every conversation's `message_count` is
 * its number of messages), or an `ImportConsistencyError` names the rows. A
 * file that ends before the row counts of its header (a truncated copy) is
 * refused too. On PostgreSQL the id sequences are moved past the imported
 * ids afterwards.
 *
 * Limits keep a broken or hostile file from running long: a line may hold at
 * most 16 MiB (`maxLineBytes`), at most 1,000 blank lines may follow each
 * other (`maxBlankLines`), and a gzip file may expand to at most 1,000 times
 * its size or 1 GiB, whichever is more (`maxDecompressedBytes`). Crossing one
 * throws an `ImportLimitError` naming the line, at once.
 *
 * @param db - the target: migrated, with at least the file's migration, and empty.
 * @param source - the export file (plain or gzip).
 * @param options - progress callback, batch size and the reader's limits.
 * @returns the row counts and the migration of the file.
 * @throws {@link BackupError} for an unknown format or version, a migration
 * the target has not run, a target that is not empty or not migrated, or a
 * truncated file; {@link ImportLineError} (a BackupError) for a bad line;
 * `ImportLimitError` (an ImportLineError) for a broken limit;
 * `ImportConsistencyError` (a BackupError) for rows that disagree.
 * @example
 * ```ts
 * const pg = await openDatabase({ url: process.env.DATABASE_URL!, migrate: true });
 * const { rows } = await importDatabase(pg, './crm-export.ndjson.gz');
 * ```
 */
export async function importDatabase(db: Database, source: string, options: ImportOptions = {}): Promise<ImportResult> {
  const started = performance.now();
  const file = resolve(source);
  try {
    await stat(file);
  } catch (error) {
    throw new BackupError(`Cannot read ${source}: ${errorText(error)}`, { cause: error });
  }
  const metas = tablesOf(db);
  const byName = new Map<string, ImportTable>(metas.map((m, i) => [m.tableName, { meta: m, columns: columnsOf(m), index: i }]));
  const dialect = dialectFor(db.engine);

  const lines = readLines(file, source, options);
  try {
    const header = parseHeader((await lines.next()).value || undefined, source);
    const announced = new Map<string, number>();
    let lastIndex = -1;
    for (const t of header.tables) {
      const known = byName.get(t.name);
      if (!known) throw new ImportLineError(1, `the header lists table ${shown(t.name)}, which this database does not have`);
      if (known.index < lastIndex) throw new ImportLineError(1, `the header lists "${t.name}" out of foreign-key order`);
      lastIndex = known.index;
      announced.set(t.name, t.rows);
    }
    const total = [...announced.values()].reduce((a, b) => a + b, 0);

    const tables = await db.transaction(
      async (tx) => {
        const query: Query = (sql, params = []) => tx.manager.query(sql, params) as Promise<Row[]>;
        await checkTarget(db, query, header);

        const imported = new Map<string, number>(header.tables.map((t) => [t.name, 0]));
        let done = 0;
        let batch: Batch | undefined;
        let currentIndex = -1;
        let currentTable = '';
        const batchSizeFor = (columns: number): number =>
          Math.max(1, Math.min(Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE), Math.floor(MAX_PARAMS / Math.max(1, columns))));

        const insert = async (b: Batch, rows: unknown[][]): Promise<void> => {
          const columnList = b.columns.map(quote).join(', ');
          let n = 0;
          const values = rows.map((row) => `(${row.map(() => dialect.param(++n)).join(', ')})`).join(', ');
          await query(`INSERT INTO ${quote(b.table)} (${columnList}) VALUES ${values}`, rows.flat());
        };
        const flush = async (): Promise<void> => {
          const b = batch;
          batch = undefined;
          if (!b || b.rows.length === 0) return;
          try {
            // A failed batch leaves the transaction usable (a savepoint on PostgreSQL).
            await dialect.recoverable(query, () => insert(b, b.rows));
          } catch (error) {
            // Find the row at fault, so the error can name its line; everything rolls back anyway.
            for (let i = 0; i < b.rows.length; i++) {
              try {
                await insert(b, [b.rows[i] ?? []]);
              } catch (rowError) {
                const line = b.lines[i] ?? b.lines[0] ?? 0;
                const { message, cause } = refusal(db, rowError);
                throw new ImportLineError(line, `the database refused this ${b.table} row: ${message}`, { cause });
              }
            }
            const { message, cause } = refusal(db, error);
            throw new ImportLineError(b.lines[0] ?? 0, `the database refused ${b.table} rows: ${message}`, { cause });
          }
          imported.set(b.table, (imported.get(b.table) ?? 0) + b.rows.length);
          done += b.rows.length;
          options.onProgress?.(done, total);
        };

        options.onProgress?.(0, total);
        for await (const line of lines) {
          const entry = parseEntry(line);
          const { table } = entry;
          const target = byName.get(table);
          if (!target || !announced.has(table)) {
            throw new ImportLineError(line.number, `names table ${shown(table)}, which the header does not list`);
          }
          if (target.index < currentIndex) {
            throw new ImportLineError(line.number, `a "${table}" row comes after "${currentTable}" rows; the file is out of order`);
          }
          currentIndex = target.index;
          currentTable = table;
          const { columns, params } = await prepareRow(db, target, entry, line.number).catch((error: unknown) => {
            if (isMigochatDbError(error)) throw error;
            throw new ImportLineError(line.number, `this ${table} row cannot be prepared for the database: ${errorText(error)}`);
          });
          if (
            batch &&
            (batch.table !== table ||
              batch.columns.length !== columns.length ||
              batch.columns.some((c, i) => c !== columns[i]) ||
              batch.rows.length >= batchSizeFor(columns.length))
          ) {
            await flush();
          }
          batch ??= { table, columns, rows: [], lines: [] };
          batch.rows.push(params);
          batch.lines.push(line.number);
        }
        await flush();

        for (const [name, expected] of announced) {
          const got = imported.get(name) ?? 0;
          if (got !== expected) {
            throw new BackupError(
              `The file holds ${got} ${name} row(s) but its header announces ${expected}: it is truncated or was edited; nothing was imported`,
            );
          }
        }
        await checkConsistency(query);
        for (const meta of metas) await dialect.resetIdentity(query, meta.tableName);
        return header.tables.map((t) => ({ name: t.name, rows: imported.get(t.name) ?? 0 }));
      },
      { retries: 0 },
    );
    return {
      file,
      rows: tables.reduce((sum, t) => sum + t.rows, 0),
      tables,
      migration: header.migration,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    throw asBackupError(error, `Import from ${source} failed`);
  } finally {
    await lines.return(undefined).catch(() => undefined);
  }
}

/** The target must be migrated (with the file's migration) and hold no rows. */
async function checkTarget(db: Database, query: Query, header: ExportHeader): Promise<void> {
  const dialect = dialectFor(db.engine);
  const names = new Set((await query(dialect.listTablesSql)).map((r) => String(r['name'])));
  if (!names.has(MIGRATIONS_TABLE)) throw new BackupError('The target database is not migrated: run migrate first, then import');
  const executed = new Set(await executedMigrations((sql) => query(sql)));
  if (!executed.has(header.migration)) {
    throw new BackupError(
      `The file comes from migration ${clipped(header.migration)}, which the target database has not run: upgrade @migochat/db and run migrate first`,
    );
  }
  const metas = tablesOf(db);
  const missing = metas.filter((m) => !names.has(m.tableName)).map((m) => m.tableName);
  if (missing.length > 0) throw new BackupError(`The target database lacks the table(s) ${missing.join(', ')}: run migrate first`);
  const [counts] = await query(dialect.countRowsSql(metas.map((m) => m.tableName)));
  const filled = metas
    .map((m) => ({ name: m.tableName, rows: Number(counts?.[m.tableName] ?? 0) }))
    .filter((t) => t.rows > 0);
  if (filled.length > 0) {
    throw new BackupError(
      `The target database is not empty (${filled.map((t) => `${t.name}: ${t.rows}`).join(', ')}); import only into an empty database`,
    );
  }
}
