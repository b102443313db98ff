/**
 * Turns driver errors (better-sqlite3, pg, TypeORM's wrappers) into this
 * library's typed errors, keeping the original as `cause`.
 */
import { maskUrl } from './config';
import {
  ConfigError,
  DatabaseCorruptError,
  DatabaseReadOnlyError,
  DatabaseUnavailableError,
  EntityValidationError,
  ForeignKeyError,
  isMigochatDbError,
  QueryTimeoutError,
  StorageError,
  StorageFullError,
  TransactionConflictError,
  UniqueConstraintError,
} from './errors';

interface DriverErrorShape {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  detail?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  driverError?: unknown;
  cause?: unknown;
  name?: unknown;
}

const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '3D000', '28P01', '28000']);
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (is )?(closed|ended)/i,
  /cannot use a pool after calling end/i,
  /client has encountered a connection error/i,
  /the database connection is not open/i,
  /unable to open database file/i,
  /Client was closed and is not queryable/i,
  // pg: its own connect timeout ("timeout expired") and query_timeout ("Query read timeout")
  // are plain Errors without a code: the server did not answer in time.
  /^timeout expired$/i,
  /^Connection terminated due to connection timeout$/i,
  /^Query read timeout$/i,
  // TypeORM releases a transaction's query runner when its connection dies
  // (server crash, kill -9); the next statement of that transaction gets these.
  /query runner already released/i,
  /connection provided by a query runner was already released/i,
];

function driverErrorOf(error: unknown): DriverErrorShape {
  const shape = (error ?? {}) as DriverErrorShape;
  if (shape.driverError && typeof shape.driverError === 'object') return shape.driverError as DriverErrorShape;
  return shape;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Removes secrets (URL passwords) from a driver message. Linear in the
 * message: it looks for each `://` and walks out from it, where a regex
 * starting at every letter would rescan long runs of letters (quadratic).
 */
export function scrubMessage(message: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (let at = message.indexOf('://', from); at >= 0; at = message.indexOf('://', from)) {
    let start = at;
    while (start > copied && SCHEME_CHAR.test(message.charAt(start - 1))) start--;
    // A scheme starts with a letter.
    while (start < at && !/[a-z]/i.test(message.charAt(start))) start++;
    let end = at + 3;
    while (end < message.length && !URL_END.test(message.charAt(end))) end++;
    if (start < at) {
      out += message.slice(copied, start) + maskUrl(message.slice(start, end));
      copied = end;
    }
    from = end;
  }
  return copied === 0 ? message : out + message.slice(copied);
}

const SCHEME_CHAR = /[a-z0-9+.-]/i;
const URL_END = /[\s'"]/;

/** Whether an error means the database could not be reached. */
export function isUnavailable(error: unknown): boolean {
  const e = driverErrorOf(error);
  const code = text(e.code);
  if (PG_UNAVAILABLE_CODES.has(code) || NODE_NETWORK_CODES.has(code)) return true;
  if (code === 'SQLITE_CANTOPEN') return true;
  const message = text(e.message) || text((error as DriverErrorShape | null)?.message);
  if (UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && cause !== e && isUnavailable(cause);
}

/** Whether an error is a transient write conflict worth retrying. */
export function isConflict(error: unknown): boolean {
  const e = driverErrorOf(error);
  const code = text(e.code);
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

function uniqueColumns(e: DriverErrorShape): { table?: string; columns: string[] } {
  const message = text(e.message);
  // SQLite: "UNIQUE constraint failed: users.psid, users.x"
  const sqlite = /UNIQUE constraint failed: (.+)$/.exec(message);
  if (sqlite?.[1]) {
    const parts = sqlite[1].split(',').map((p) => p.trim());
    const table = parts[0]?.split('.')[0];
    return { ...(table ? { table } : {}), columns: parts.map((p) => p.split('.').pop() ?? p) };
  }
  // PostgreSQL: detail "Key (psid)=(abc) already exists."
  const pg = /Key \(([^)]+)\)=/.exec(text(e.detail));
  const table = text(e.table) || undefined;
  return { ...(table ? { table } : {}), columns: pg?.[1] ? pg[1].split(',').map((c) => c.trim().replace(/"/g, '')) : [] };
}

/** Our tables, longest first: CHECK names are `CHK_<table>_<column>` and both may hold underscores. */
const TABLES = ['pending_receipts', 'lead_activities', 'conversations', 'ad_campaigns', 'app_settings', 'messages', 'posts', 'users'];

function constraintIssue(e: DriverErrorShape, rule: string): EntityValidationError {
  const message = text(e.message);
  const constraint = text(e.constraint) || /constraint failed: (\S+)/.exec(message)?.[1] || '';
  const table =
    text(e.table) ||
    /NOT NULL constraint failed: (\w+)\./.exec(message)?.[1] ||
    TABLES.find((t) => constraint.startsWith(`CHK_${t}_`)) ||
    'row';
  const column =
    text(e.column) ||
    /null value in column "([^"]+)"/.exec(message)?.[1] ||
    /NOT NULL constraint failed: \w+\.(\w+)/.exec(message)?.[1] ||
    constraint.replace(constraint.startsWith(`CHK_${table}_`) ? `CHK_${table}_` : /^CHK_/, '');
  const error = new EntityValidationError(table, [{ property: column, rules: [rule], messages: [scrubMessage(message)] }]);
  return error;
}

/**
 * Translates any error from a query into a typed {@link MigochatDbError}; errors
 * that are already ours pass through, unknown errors come back unchanged.
 */
export function toDatabaseError(error: unknown, engine: 'sqlite' | 'postgres' = 'sqlite'): Error {
  if (isMigochatDbError(error)) return error;
  const e = driverErrorOf(error);
  const code = text(e.code);
  const message = scrubMessage(text(e.message) || text((error as DriverErrorShape | null)?.message) || String(error));
  const withCause = { cause: error };
  if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const { table, columns } = uniqueColumns(e);
    return new UniqueConstraintError(`Duplicate value for ${table ?? 'row'}(${columns.join(', ')}): ${message}`, {
      ...(table ? { table } : {}),
      columns,
      cause: error,
    });
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    const table = text(e.table) || undefined;
    return new ForeignKeyError(`Foreign key violated: ${message}`, { ...(table ? { table } : {}), cause: error });
  }
  if (code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK') {
    const err = constraintIssue(e, 'check');
    (err as { cause?: unknown }).cause = error;
    return err;
  }
  if (code === '23502' || code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const err = constraintIssue(e, 'notNull');
    (err as { cause?: unknown }).cause = error;
    return err;
  }
  // Text PostgreSQL cannot hold (too long for its column, NUL, bad encoding): a validation error, not a raw one.
  if (code === '22001' || code === '22021' || code === '22P05') {
    const table = text(e.table) || 'row';
    const rule = code === '22001' ? 'maxLength' : 'encoding';
    return Object.assign(new EntityValidationError(table, [{ property: text(e.column) || 'value', rules: [rule], messages: [message] }]), withCause);
  }
  // Out-of-range or malformed values PostgreSQL refused (the repositories check first; this is the last line).
  if (code === '22P02' || code === '22003' || code === '22007' || code === '22008') {
    const rule = code === '22003' ? 'range' : code === '22P02' ? 'format' : 'date';
    return Object.assign(new EntityValidationError(text(e.table) || 'row', [{ property: text(e.column) || 'value', rules: [rule], messages: [message] }]), withCause);
  }
  const storage = storageError(code, message, withCause);
  if (storage) return storage;
  const pooler = poolerError(code, message, withCause);
  if (pooler) return pooler;
  if (code === '57014') {
    return new QueryTimeoutError(`Statement cancelled after the statement timeout: ${message}`, withCause);
  }
  if (isConflict(error)) {
    return new TransactionConflictError(`Write conflict (${code}): ${message}`, 1, withCause);
  }
  if (isUnavailable(error)) {
    return new DatabaseUnavailableError(`The ${engine} database is unavailable: ${message}`, withCause);
  }
  return error instanceof Error ? error : new Error(message);
}

/**
 * What a connection pooler refuses: named statements through PgBouncer before
 * 1.21 in transaction mode (a statement prepared on one server connection is
 * missing on the next, 26000, or already there, 42P05), and startup
 * parameters it does not pass on. Both are settings to change, not faults.
 */
function poolerError(code: string, message: string, options: { cause: unknown }): Error | null {
  if (code === '26000' || code === '42P05') {
    return new ConfigError(
      'preparedStatements',
      `a named prepared statement was lost between server connections, as behind PgBouncer < 1.21 in transaction mode; set preparedStatements: false (DB_PREPARED_STATEMENTS=false): ${message}`,
      options,
    );
  }
  if (code === '08P01' && /unsupported startup parameter/i.test(message)) {
    return new ConfigError(
      'statementTimeoutMs',
      `the server or pooler refused a startup parameter; behind PgBouncer add it to ignore_startup_parameters (e.g. ignore_startup_parameters = statement_timeout) or set statementTimeoutMs: 0: ${message}`,
      options,
    );
  }
  return null;
}

/** Faults of the storage under the database: a full disk, a read-only or corrupt file, an I/O error. */
function storageError(code: string, message: string, options: { cause: unknown }): Error | null {
  if (code === 'SQLITE_FULL' || code === '53100') {
    return new StorageFullError(`The disk holding the database is full (or the file may not grow); nothing of this call was stored: ${message}`, options);
  }
  if (code === 'SQLITE_IOERR_WRITE' && /file too large|disk|space/i.test(message)) {
    return new StorageFullError(`The database file may not grow; nothing of this call was stored: ${message}`, options);
  }
  if (code.startsWith('SQLITE_READONLY') || code === '25006') {
    return new DatabaseReadOnlyError(`The database is read-only (check the file's and its folder's permissions); nothing was written: ${message}`, options);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code === 'XX001' || code === 'XX002') {
    return new DatabaseCorruptError(`The database file is corrupt or not a database; restore it from a backup: ${message}`, options);
  }
  if (code.startsWith('SQLITE_IOERR') || code === '58030') {
    return new StorageError(`The database file could not be read or written; nothing of this call was stored: ${message}`, options);
  }
  return null;
}

/** What a secret value is replaced with in logs and errors. @internal */
export const REDACTED = '[redacted]';

/**
 * Blanks the query parameters (and PostgreSQL's `detail`, which quotes the
 * failing row) kept on a driver error and its causes, so a failed write
 * cannot carry a value (a sensitive setting, an imported row) out in its
 * error. Returns `error`.
 * @internal
 */
export function redactValues<E>(error: E): E {
  const seen = new Set<object>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const e = current as { parameters?: unknown; detail?: unknown; driverError?: unknown; cause?: unknown };
    if (Array.isArray(e.parameters)) e.parameters = e.parameters.map(() => REDACTED);
    if (typeof e.detail === 'string') e.detail = REDACTED;
    if (typeof e.driverError === 'object' && e.driverError !== null) redactValues(e.driverError);
    current = e.cause;
  }
  return error;
}
