/**
 * Portable export and import: {@link exportDatabase} and {@link importDatabase}.
 *
 * The export file is NDJSON (one JSON value per line), gzip-compressed when
 * its name ends in `.gz`. The first line is an {@link ExportHeader}; every
 * other line is one row, `{ "table": "users", "row": { ... } }`, tables in
 * foreign-key order and rows by `id`. Column names are the database's
 * (`snake_case`); dates are ISO 8601 strings in UTC (millisecond precision),
 * JSON columns are JSON, booleans are booleans, `bigint` columns are numbers.
 * The same file imports into SQLite or PostgreSQL, which is how a database
 * moves from the embedded SQLite to PostgreSQL.
 *
 * **The export holds every value as stored, secrets included** (sensitive
 * `app_settings` values are not masked: it is a backup). Keep it as safe as
 * the database itself.
 *
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline as pipeStreams, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm';
import type { Database } from '../database';
import { toDatabaseError } from '../driver-errors';
import { BackupError } from '../errors';
import {
  asBackupError,
  errorText,
  MIGRATIONS_TABLE,
  openSqliteFile,
  type ProgressCallback,
  sqliteHandle,
  tablesOf,
  tempPathFor,
} from './shared';

/** The `format` of every export file's header. */
export const EXPORT_FORMAT = 'migochat-db-export';

/** The export format version this library writes and reads. */
export const EXPORT_VERSION = 1;

/** A JSON value, as found in an export file. */
export type ExportValue = string | number | boolean | null | ExportValue[] | { [key: string]: ExportValue };

/** How many rows one table has in an export or import. */
export interface TableRowCount {
  /** The table, e.g. `messages`. */
  name: string;
  /** Its row count. */
  rows: number;
}

/** The first line of an export file. */
export interface ExportHeader {
  /** Always {@link EXPORT_FORMAT}. */
  format: typeof EXPORT_FORMAT;
  /** The format version, {@link EXPORT_VERSION}. */
  version: typeof EXPORT_VERSION;
  /** The last migration the source database had run: the target must have run it too. */
  migration: string;
  /** When the export was taken, ISO 8601. */
  exportedAt: string;
  /** The tables in the file, in the order their rows follow, with their row counts. */
  tables: TableRowCount[];
}

/** Every line after the header: one row of one table, keyed by column name. */
export interface ExportRow {
  /** The table, e.g. `messages`. */
  table: string;
  /** The row: database column names to values. */
  row: Record<string, ExportValue>;
}

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

/** Options of {@link importDatabase}. */
export interface ImportOptions {
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

/**
 * An import stopped at one line of the file (malformed JSON, an unknown table
 * or column, a value of the wrong type, or a row the database refused). It
 * is a {@link BackupError}; `line` is the 1-based line number, also in the
 * message. Nothing was imported.
 */
export class ImportLineError extends BackupError {
  /** The 1-based line number in the (decompressed) file. */
  readonly line: number;

  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super(`Line ${line}: ${message}`, options);
    this.line = line;
  }
}

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_BATCH_SIZE = 500;
/** Stay well under SQLite's 32 766 and PostgreSQL's 65 535 bound parameters per statement. */
const MAX_PARAMS = 30_000;
/** A line longer than this is refused rather than buffered (a random or binary file has no newlines). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

type Row = Record<string, unknown>;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function typeName(column: ColumnMetadata): string {
  const type: unknown = column.type;
  return typeof type === 'function' ? type.name.toLowerCase() : String(type).toLowerCase();
}

/** The columns of a table by database name, one per name (a relation's join column shares the property's). */
function columnsOf(meta: EntityMetadata): Map<string, ColumnMetadata> {
  const columns = new Map<string, ColumnMetadata>();
  for (const column of meta.columns) if (!columns.has(column.databaseName)) columns.set(column.databaseName, column);
  return columns;
}

// ---------------------------------------------------------------- export

/** Reads from one consistent snapshot of the database. */
interface SnapshotReader {
  all(sql: string, params: unknown[]): Promise<Row[]>;
  param(index: number): string;
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
        const result = await fn({ all: (sql, params) => runner.query(sql, params) as Promise<Row[]>, param: (i) => `$${i}` });
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
    return db.run((manager) => fn({ all: (sql, params) => manager.query(sql, params) as Promise<Row[]>, param: () => '?' }));
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
      param: () => '?',
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
 * The file is written under a temporary name in the same folder and renamed
 * into place when complete. **It contains every value as stored, including
 * sensitive settings**: protect it like the database.
 *
 * @param db - the database to export (migrated, or the header has no migration to record).
 * @param target - the file to write; a name ending in `.gz` is gzip-compressed.
 * @returns the file, the row counts, the migration and the size.
 * @throws {@link BackupError} when the database has no migrations table or
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
  const tmp = tempPathFor(finalPath);
  const metas = tablesOf(db);
  try {
    const summary = await withSnapshot(db, async (reader) => {
      const names = new Set(
        (
          await reader.all(
            db.engine === 'postgres'
              ? 'SELECT tablename AS "name" FROM pg_tables WHERE schemaname = current_schema()'
              : "SELECT name AS \"name\" FROM sqlite_master WHERE type = 'table'",
            [],
          )
        ).map((r) => String(r['name'])),
      );
      if (!names.has(MIGRATIONS_TABLE)) {
        throw new BackupError('The database has no migrations table: run migrate before exporting');
      }
      const missing = metas.filter((m) => !names.has(m.tableName)).map((m) => m.tableName);
      if (missing.length > 0) throw new BackupError(`The database lacks the table(s) ${missing.join(', ')}: run migrate before exporting`);
      const [last] = await reader.all(`SELECT "name" FROM ${quote(MIGRATIONS_TABLE)} ORDER BY "timestamp" DESC, "id" DESC LIMIT 1`, []);
      if (!last) throw new BackupError('The database has run no migration: run migrate before exporting');
      const migration = String(last['name']);
      const [countRow] = await reader.all(
        `SELECT ${metas.map((m) => `(SELECT COUNT(*) FROM ${quote(m.tableName)}) AS ${quote(m.tableName)}`).join(', ')}`,
        [],
      );
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
                : await reader.all(`SELECT * FROM ${quote(table)} WHERE "id" > ${reader.param(1)} ORDER BY "id" LIMIT ${pageSize}`, [after]);
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
      const out = createWriteStream(tmp, { flags: 'wx' });
      if (/\.gz$/i.test(finalPath)) await pipeline(source, createGzip(), out);
      else await pipeline(source, out);
      return { tables, migration, rows: written };
    });
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
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asBackupError(error, `Export to ${target} failed`);
  }
}

// ---------------------------------------------------------------- import

interface Line {
  text: string;
  number: number;
}

/** The file's lines, gunzipped when it starts with the gzip magic bytes, read with backpressure. */
async function* readLines(file: string, label: string): AsyncGenerator<Line> {
  const handle = await open(file, 'r');
  let gzip: boolean;
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    gzip = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
  // pipeline (not pipe) so a read error or a broken gzip stream ends the iteration with that error.
  const input: Readable = gzip
    ? pipeStreams(createReadStream(file), createGunzip(), () => undefined)
    : createReadStream(file);
  input.setEncoding('utf8');
  let partial = '';
  let number = 0;
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      if (partial.length > MAX_LINE_CHARS) throw new ImportLineError(number + 1, `is longer than ${MAX_LINE_CHARS} characters; not an export file`);
      for (const text of parts) yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, number: ++number };
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`Cannot read ${label}${gzip ? ' (gzip)' : ''} after line ${number}: ${errorText(error)}`, { cause: error });
  } finally {
    input.destroy();
  }
  if (partial !== '') yield { text: partial, number: ++number };
}

function parseHeader(line: Line | undefined, label: string): ExportHeader {
  if (!line) throw new BackupError(`${label} is empty; expected a ${EXPORT_FORMAT} file`);
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    throw new ImportLineError(line.number, `is not a ${EXPORT_FORMAT} header (not JSON: ${errorText(error)})`, { cause: error });
  }
  const header = value as Partial<ExportHeader> | null;
  if (typeof header !== 'object' || header === null || header.format !== EXPORT_FORMAT) {
    throw new ImportLineError(line.number, `is not a ${EXPORT_FORMAT} header; is this an export file?`);
  }
  if (header.version !== EXPORT_VERSION) {
    throw new ImportLineError(
      line.number,
      `export format version ${JSON.stringify(header.version)} is not supported; this version of @migochat/db reads version ${EXPORT_VERSION}`,
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

/** Checks one value against its column and turns it into a query parameter. */
function toParam(db: Database, column: ColumnMetadata, value: unknown, line: number, table: string): unknown {
  const where = `${table}.${column.databaseName}`;
  if (value === null) return null;
  const type = typeName(column);
  const wrong = (expected: string): ImportLineError =>
    new ImportLineError(line, `${where} must be ${expected}, not ${JSON.stringify(value)}`);
  let prepared: unknown = value;
  if (type === 'datetime' || type.startsWith('timestamp') || type === 'date') {
    if (typeof value !== 'string') throw wrong('an ISO 8601 date string');
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw wrong('an ISO 8601 date string');
    prepared = date;
  } else if (type === 'integer' || type === 'int' || type === 'bigint' || type === 'smallint' || type === 'number') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong('a whole number');
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') throw wrong('true or false');
  } else if (type === 'varchar' || type === 'text' || type === 'string' || type === 'character varying') {
    if (typeof value !== 'string') throw wrong('a string');
  }
  return db.dataSource.driver.preparePersistentValue(prepared, column);
}

interface Batch {
  table: string;
  columns: string[];
  rows: unknown[][];
  lines: number[];
}

/**
 * Loads an export made by {@link exportDatabase} (from either engine) into
 * an empty, migrated database of either engine: the way to move from the
 * embedded SQLite to PostgreSQL, or back.
 *
 * The file is read as a stream, line by line (gzip detected by its magic
 * bytes), and rows are inserted in batches, all inside **one transaction**:
 * any problem rolls everything back and the database stays empty. A line
 * that is not valid JSON, names an unknown table or column, holds a value of
 * the wrong type or is refused by the database stops the import with an
 * {@link ImportLineError} carrying its line number. A file that ends before
 * the row counts of its header (a truncated copy) is refused too. On
 * PostgreSQL the id sequences are moved past the imported ids afterwards.
 *
 * @param db - the target: migrated, with at least the file's migration, and empty.
 * @param source - the export file (plain or gzip).
 * @returns the row counts and the migration of the file.
 * @throws {@link BackupError} for an unknown format or version, a migration
 * the target has not run, a target that is not empty or not migrated, or a
 * truncated file; {@link ImportLineError} (a BackupError) for a bad line.
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
  const byName = new Map(metas.map((m, i) => [m.tableName, { meta: m, columns: columnsOf(m), index: i }]));
  const postgres = db.engine === 'postgres';
  const placeholder = (i: number): string => (postgres ? `$${i}` : '?');

  const lines = readLines(file, source);
  try {
    const header = parseHeader((await lines.next()).value || undefined, source);
    const announced = new Map<string, number>();
    let lastIndex = -1;
    for (const t of header.tables) {
      const known = byName.get(t.name);
      if (!known) throw new ImportLineError(1, `the header lists table "${t.name}", which this database does not have`);
      if (known.index < lastIndex) throw new ImportLineError(1, `the header lists "${t.name}" out of foreign-key order`);
      lastIndex = known.index;
      announced.set(t.name, t.rows);
    }
    const total = [...announced.values()].reduce((a, b) => a + b, 0);

    const tables = await db.transaction(
      async (tx) => {
        const query = (sql: string, params: unknown[] = []): Promise<Row[]> => tx.manager.query(sql, params) as Promise<Row[]>;
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
          const values = rows.map((row) => `(${row.map(() => placeholder(++n)).join(', ')})`).join(', ');
          await query(`INSERT INTO ${quote(b.table)} (${columnList}) VALUES ${values}`, rows.flat());
        };
        const flush = async (): Promise<void> => {
          const b = batch;
          batch = undefined;
          if (!b || b.rows.length === 0) return;
          try {
            if (postgres) await query('SAVEPOINT migochat_import');
            await insert(b, b.rows);
            if (postgres) await query('RELEASE SAVEPOINT migochat_import');
          } catch (error) {
            // Find the row at fault, so the error can name its line; everything rolls back anyway.
            if (postgres) await query('ROLLBACK TO SAVEPOINT migochat_import');
            for (let i = 0; i < b.rows.length; i++) {
              try {
                await insert(b, [b.rows[i] ?? []]);
              } catch (rowError) {
                const line = b.lines[i] ?? b.lines[0] ?? 0;
                throw new ImportLineError(line, `the database refused this ${b.table} row: ${toDatabaseError(rowError, db.engine).message}`, {
                  cause: rowError,
                });
              }
            }
            const line = b.lines[0] ?? 0;
            throw new ImportLineError(line, `the database refused ${b.table} rows: ${toDatabaseError(error, db.engine).message}`, { cause: error });
          }
          imported.set(b.table, (imported.get(b.table) ?? 0) + b.rows.length);
          done += b.rows.length;
          options.onProgress?.(done, total);
        };

        options.onProgress?.(0, total);
        for await (const line of lines) {
          if (line.text.trim() === '') continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(line.text);
          } catch (error) {
            throw new ImportLineError(line.number, `is not valid JSON (${errorText(error)})`, { cause: error });
          }
          const entry = parsed as Partial<ExportRow> | null;
          if (
            typeof entry !== 'object' ||
            entry === null ||
            Array.isArray(entry) ||
            typeof entry.table !== 'string' ||
            typeof entry.row !== 'object' ||
            entry.row === null ||
            Array.isArray(entry.row)
          ) {
            throw new ImportLineError(line.number, 'is not a row; expected {"table": "...", "row": {...}}');
          }
          const { table, row } = entry as ExportRow;
          const target = byName.get(table);
          if (!target || !announced.has(table)) {
            throw new ImportLineError(line.number, `names table "${table}", which the header does not list`);
          }
          if (target.index < currentIndex) {
            throw new ImportLineError(line.number, `a "${table}" row comes after "${currentTable}" rows; the file is out of order`);
          }
          currentIndex = target.index;
          currentTable = table;
          const columns = Object.keys(row);
          const params = columns.map((name) => {
            const column = target.columns.get(name);
            if (!column) throw new ImportLineError(line.number, `${table} has no column "${name}"`);
            return toParam(db, column, row[name], line.number, table);
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
        if (postgres) {
          for (const meta of metas) {
            const t = quote(meta.tableName);
            await query(
              `SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX("id") FROM ${t}), 1), (SELECT MAX("id") FROM ${t}) IS NOT NULL)`,
              [t],
            );
          }
        }
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
async function checkTarget(db: Database, query: (sql: string, params?: unknown[]) => Promise<Row[]>, header: ExportHeader): Promise<void> {
  const names = new Set(
    (
      await query(
        db.engine === 'postgres'
          ? 'SELECT tablename AS "name" FROM pg_tables WHERE schemaname = current_schema()'
          : "SELECT name AS \"name\" FROM sqlite_master WHERE type = 'table'",
      )
    ).map((r) => String(r['name'])),
  );
  if (!names.has(MIGRATIONS_TABLE)) throw new BackupError('The target database is not migrated: run migrate first, then import');
  const executed = new Set((await query(`SELECT "name" FROM ${quote(MIGRATIONS_TABLE)}`)).map((r) => String(r['name'])));
  if (!executed.has(header.migration)) {
    throw new BackupError(
      `The file comes from migration ${header.migration}, which the target database has not run: upgrade @migochat/db and run migrate first`,
    );
  }
  const metas = tablesOf(db);
  const missing = metas.filter((m) => !names.has(m.tableName)).map((m) => m.tableName);
  if (missing.length > 0) throw new BackupError(`The target database lacks the table(s) ${missing.join(', ')}: run migrate first`);
  const [counts] = await query(`SELECT ${metas.map((m) => `(SELECT COUNT(*) FROM ${quote(m.tableName)}) AS ${quote(m.tableName)}`).join(', ')}`);
  const filled = metas
    .map((m) => ({ name: m.tableName, rows: Number(counts?.[m.tableName] ?? 0) }))
    .filter((t) => t.rows > 0);
  if (filled.length > 0) {
    throw new BackupError(
      `The target database is not empty (${filled.map((t) => `${t.name}: ${t.rows}`).join(', ')}); import only into an empty database`,
    );
  }
}
