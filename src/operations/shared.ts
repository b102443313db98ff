/**
 * Helpers shared by backup, restore, export and import: errors, the libpq
 * connection settings of a PostgreSQL URL, running the PostgreSQL client
 * tools, and opening extra SQLite handles. Temporary files are in
 * `temp-files.ts`.
 *
 * @internal
 * @module
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { EntityMetadata } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver';
import { maskUrl, type PostgresTarget } from '../config';
import type { Database } from '../database';
import { sqliteDialect } from '../dialect/index';
import { scrubMessage } from '../driver-errors';
import { ENTITIES } from '../entities/all';
import { BackupError, isMigochatDbError } from '../errors';
import { EXECUTED_MIGRATIONS_SQL, MIGRATIONS_TABLE } from '../migrations/history';

/**
 * Called as long work advances: `done` out of `total` units (pages for a
 * SQLite backup, tables for a PostgreSQL backup, rows for export and import).
 */
export type ProgressCallback = (done: number, total: number) => void;

/** The message of any error, with URL passwords masked. @internal */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return scrubMessage(message);
}

/** Wraps anything that is not already one of our errors in a {@link BackupError}. @internal */
export function asBackupError(error: unknown, what: string): Error {
  if (isMigochatDbError(error)) return error;
  return new BackupError(`${what}: ${errorText(error)}${fileErrorHint(error)}`, { cause: error });
}

/** What to do about a file-system error, by its code. */
function fileErrorHint(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return ' (the disk is full: free space or choose another folder, then retry)';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return ' (no permission to write there: check the folder and its permissions)';
  if (code === 'ENOENT') return ' (check that the folder exists)';
  return '';
}

/** Our tables in foreign-key order (parents first), with their TypeORM metadata. @internal */
export function tablesOf(db: Database): EntityMetadata[] {
  return ENTITIES.map((entity) => db.dataSource.getMetadata(entity));
}

/** The better-sqlite3 constructor TypeORM loaded (so this module never imports it itself). @internal */
export function sqliteConstructor(db: Database): typeof BetterSqlite3 {
  return (db.dataSource.driver as BetterSqlite3Driver).sqlite as typeof BetterSqlite3;
}

/** The better-sqlite3 handle TypeORM holds for a SQLite database. @internal */
export function sqliteHandle(db: Database): BetterSqlite3.Database {
  return (db.dataSource.driver as BetterSqlite3Driver).databaseConnection as BetterSqlite3.Database;
}

/**
 * Opens an extra better-sqlite3 handle, e.g. on a backup file to check it.
 * @internal
 */
export function openSqliteFile(db: Database, file: string, options: { readonly?: boolean } = {}): BetterSqlite3.Database {
  const Sqlite = sqliteConstructor(db);
  return new Sqlite(file, { readonly: options.readonly ?? false, fileMustExist: true, timeout: db.options.busyTimeoutMs });
}

/**
 * Checks a SQLite file: `PRAGMA integrity_check` must answer `ok`, and it must
 * hold our `migrations` table and the `users` table. Returns the names of the
 * migrations it records.
 *
 * @throws {@link BackupError} naming what is wrong.
 * @internal
 */
export function checkSqliteFile(db: Database, file: string, label: string): string[] {
  let handle: BetterSqlite3.Database | undefined;
  try {
    handle = openSqliteFile(db, file, { readonly: true });
    const rows = handle.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const verdict = rows.map((r) => r.integrity_check);
    if (verdict.length !== 1 || verdict[0] !== 'ok') {
      throw new BackupError(`${label} failed the SQLite integrity check: ${verdict.slice(0, 5).join('; ')}`);
    }
    const tables = new Set(
      (handle.prepare(sqliteDialect.listTablesSql).all() as Array<{ name: string }>).map((r) => r.name),
    );
    for (const required of [MIGRATIONS_TABLE, 'users']) {
      if (!tables.has(required)) {
        throw new BackupError(`${label} is not a @migochat/db database: it has no "${required}" table`);
      }
    }
    const names = handle.prepare(EXECUTED_MIGRATIONS_SQL).all() as Array<{ name: string }>;
    return names.map((r) => r.name);
  } catch (error) {
    if (isMigochatDbError(error)) throw error;
    throw new BackupError(`${label} is not a readable SQLite database: ${errorText(error)}`, { cause: error });
  } finally {
    handle?.close();
  }
}

/** How the PostgreSQL client tools reach the database: arguments and environment. @internal */
export interface LibpqConnection {
  /** `--host`, `--port`, `--username`, `--dbname` arguments (never the password). */
  args: string[];
  /** The environment for the child: `PGPASSWORD` and friends on top of ours. */
  env: NodeJS.ProcessEnv;
  /** The database name. */
  database: string;
}

/**
 * Splits a PostgreSQL URL into libpq arguments and environment. The password
 * goes into `PGPASSWORD`, never onto the command line, where any user of the
 * machine could read it in the process list.
 * @internal
 */
export function libpqConnection(db: Database): LibpqConnection {
  const target = db.options.target as PostgresTarget;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch (cause) {
    throw new BackupError(`Cannot read the database URL ${maskUrl(target.url)}`, { cause });
  }
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  const host = url.searchParams.get('host') ?? decode(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  const port = url.port || url.searchParams.get('port') || '5432';
  const user = decode(url.username) || url.searchParams.get('user') || '';
  const database = decode(url.pathname.replace(/^\//, '')) || url.searchParams.get('dbname') || user || 'postgres';
  const args = ['--host', host, '--port', port, '--dbname', database];
  if (user) args.push('--username', user);
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'migochat-db' };
  // Never let a service file or default database override the URL we were given.
  delete env['PGSERVICE'];
  delete env['PGDATABASE'];
  const password = decode(url.password) || url.searchParams.get('password') || '';
  // Without a password in the URL, libpq falls back to PGPASSWORD or ~/.pgpass, as pg does.
  if (password) env['PGPASSWORD'] = password;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) env['PGSSLMODE'] = sslmode;
  else if (db.options.ssl !== false && !env['PGSSLMODE']) env['PGSSLMODE'] = 'require';
  if (db.options.connectTimeoutMs > 0) env['PGCONNECT_TIMEOUT'] = String(Math.max(2, Math.ceil(db.options.connectTimeoutMs / 1000)));
  return { args, env, database };
}

/** What a finished child process printed. @internal */
export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const TOOL_PACKAGES = 'the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)';

/**
 * Runs a PostgreSQL client tool (`pg_dump`, `pg_restore`) and collects its
 * output; `onStderrLine` sees each line of its standard error as it comes.
 *
 * @throws {@link BackupError} when the program is not installed.
 * @internal
 */
export function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderrLine?: (line: string) => void,
): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Keep the tail only: a verbose tool can print a lot.
      stderr = (stderr + chunk).slice(-64 * 1024);
      if (!onStderrLine) return;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new BackupError(`${basename(command)} was not found (looked for "${command}"); install ${TOOL_PACKAGES}, matching the server's major version or newer`, {
            cause: error,
          }),
        );
      } else {
        reject(new BackupError(`Could not run ${basename(command)}: ${errorText(error)}`, { cause: error }));
      }
    });
    child.on('close', (code) => {
      resolvePromise({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: scrubMessage(stderr.trim()) });
    });
  });
}

/** The last few meaningful lines of a tool's standard error, for an error message. @internal */
export function stderrSummary(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errors = lines.filter((l) => /\b(error|fatal)\b/i.test(l));
  return (errors.length > 0 ? errors : lines).slice(-5).join('\n') || 'no error message';
}
