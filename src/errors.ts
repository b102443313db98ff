/**
 * Every error this library throws extends {@link MigochatDbError} and carries a
 * stable `code`, so callers can tell them apart without `instanceof` (which
 * fails when two copies of a package are loaded).
 *
 * @module
 */

/** The stable codes of {@link MigochatDbError} subclasses. */
export type MigochatDbErrorCode =
  | 'CONFIG_ERROR'
  | 'ENTITY_VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'UNIQUE_CONSTRAINT'
  | 'FOREIGN_KEY'
  | 'INVALID_ENUM_VALUE'
  | 'DATABASE_UNAVAILABLE'
  | 'TRANSACTION_CONFLICT'
  | 'QUERY_TIMEOUT'
  | 'BACKUP_ERROR'
  | 'STORAGE_FULL'
  | 'STORAGE_ERROR'
  | 'DATABASE_READ_ONLY'
  | 'DATABASE_CORRUPT'
  | 'DATABASE_CLOSED'
  | 'INVALID_CURSOR'
  | 'TRANSACTION_SCOPE'
  | 'INVALID_WEBHOOK_PAYLOAD';

const CODES: ReadonlySet<string> = new Set<MigochatDbErrorCode>([
  'CONFIG_ERROR',
  'ENTITY_VALIDATION_ERROR',
  'NOT_FOUND',
  'UNIQUE_CONSTRAINT',
  'FOREIGN_KEY',
  'INVALID_ENUM_VALUE',
  'DATABASE_UNAVAILABLE',
  'TRANSACTION_CONFLICT',
  'QUERY_TIMEOUT',
  'BACKUP_ERROR',
  'STORAGE_FULL',
  'STORAGE_ERROR',
  'DATABASE_READ_ONLY',
  'DATABASE_CORRUPT',
  'DATABASE_CLOSED',
  'INVALID_CURSOR',
  'TRANSACTION_SCOPE',
  'INVALID_WEBHOOK_PAYLOAD',
]);

/** The code each of the classes below carries. */
const CODE_BY_NAME: Readonly<Record<string, MigochatDbErrorCode>> = {
  ConfigError: 'CONFIG_ERROR',
  EntityValidationError: 'ENTITY_VALIDATION_ERROR',
  NotFoundError: 'NOT_FOUND',
  UniqueConstraintError: 'UNIQUE_CONSTRAINT',
  ForeignKeyError: 'FOREIGN_KEY',
  InvalidEnumValueError: 'INVALID_ENUM_VALUE',
  DatabaseUnavailableError: 'DATABASE_UNAVAILABLE',
  TransactionConflictError: 'TRANSACTION_CONFLICT',
  QueryTimeoutError: 'QUERY_TIMEOUT',
  BackupError: 'BACKUP_ERROR',
  StorageFullError: 'STORAGE_FULL',
  StorageError: 'STORAGE_ERROR',
  DatabaseReadOnlyError: 'DATABASE_READ_ONLY',
  DatabaseCorruptError: 'DATABASE_CORRUPT',
  DatabaseClosedError: 'DATABASE_CLOSED',
  InvalidCursorError: 'INVALID_CURSOR',
  TransactionScopeError: 'TRANSACTION_SCOPE',
  WebhookPayloadError: 'INVALID_WEBHOOK_PAYLOAD',
};

/** Names of JavaScript's own errors and the generic ones drivers throw: never ours. */
const FOREIGN_NAMES: ReadonlySet<string> = new Set([
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError',
  'MigochatDbError', 'TypeORMError', 'QueryFailedError', 'DatabaseError', 'SqliteError', 'SystemError',
]);

/**
 * Base class of every error thrown by `@migochat/db`. The driver's own error, if
 * any, is kept as `cause`.
 */
export abstract class MigochatDbError extends Error {
  /** A stable, machine-readable code. */
  abstract readonly code: MigochatDbErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Tells whether `error` is one of ours, by `name` and `code` rather than
 * `instanceof`, so it also works across duplicated package copies.
 *
 * @example
 * ```ts
 * try { await db.users.getById(42); }
 * catch (e) { if (isMigochatDbError(e) && e.code === 'NOT_FOUND') return null; throw e; }
 * ```
 */
export function isMigochatDbError(error: unknown): error is MigochatDbError {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (typeof name !== 'string' || typeof code !== 'string' || !CODES.has(code)) return false;
  // Our own classes must carry their own code: `{ name: 'NotFoundError', code: 'CONFIG_ERROR' }` is a look-alike.
  if (Object.hasOwn(CODE_BY_NAME, name)) return CODE_BY_NAME[name] === code;
  // A subclass (e.g. ImportLineError extends BackupError) keeps its parent's code under
  // its own name; a plain or built-in error that merely has a `code` like 'NOT_FOUND' is not ours.
  return /^[A-Z][A-Za-z0-9]*Error$/.test(name) && !FOREIGN_NAMES.has(name);
}

/** Options or environment that cannot be used: names the setting, the value and what is allowed. */
export class ConfigError extends MigochatDbError {
  readonly code = 'CONFIG_ERROR' as const;
  /** The option or environment variable at fault. */
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(`${setting}: ${message}`, options);
    this.setting = setting;
  }
}

/** One broken rule on one property, as reported by {@link EntityValidationError}. */
export interface ValidationIssue {
  /** The property (dotted for nested values). */
  property: string;
  /** The rule names that failed, e.g. `isE164PhoneNumber`, `max`. */
  rules: string[];
  /** Human-readable messages, one per rule. */
  messages: string[];
}

/** Input refused before any SQL ran; lists each property and the rules it broke. */
export class EntityValidationError extends MigochatDbError {
  readonly code = 'ENTITY_VALIDATION_ERROR' as const;
  /** The entity that failed validation, e.g. `User`. */
  readonly entity: string;
  /** Every broken rule. */
  readonly issues: ValidationIssue[];

  constructor(entity: string, issues: ValidationIssue[]) {
    super(`Invalid ${entity}: ${summarise(issues)}`);
    this.entity = entity;
    this.issues = issues;
  }
}

const LISTED_ISSUES = 10;
const MESSAGE_CHARS = 160;
/** The first issue's text is the one a reader acts on: it is kept whole up to this many characters. */
const FIRST_MESSAGE_CHARS = 600;

/**
 * `email (isEmail: email must be an email); ...`: each field, its rules and
 * its first message, bounded; the first issue's message in full (up to
 * {@link FIRST_MESSAGE_CHARS} characters), so `message` alone names the field
 * and the rule and says what is allowed.
 */
function summarise(issues: ValidationIssue[]): string {
  const listed = issues.slice(0, LISTED_ISSUES).map((i, n) => {
    const first = i.messages[0];
    const limit = n === 0 ? FIRST_MESSAGE_CHARS : MESSAGE_CHARS;
    const text = first === undefined ? '' : `: ${first.length > limit ? `${first.slice(0, limit)}...` : first}`;
    return `${i.property} (${i.rules.join(', ')}${text})`;
  });
  const more = issues.length > LISTED_ISSUES ? `; and ${issues.length - LISTED_ISSUES} more` : '';
  return listed.join('; ') + more;
}

/** The requested row does not exist. */
export class NotFoundError extends MigochatDbError {
  readonly code = 'NOT_FOUND' as const;
  /** The entity looked for. */
  readonly entity: string;
  /** The key used to look, e.g. `{ id: 42 }`. */
  readonly criteria: Record<string, unknown>;

  constructor(entity: string, criteria: Record<string, unknown>) {
    super(`${entity} not found: ${JSON.stringify(criteria)}`);
    this.entity = entity;
    this.criteria = criteria;
  }
}

/** A write would duplicate a unique value. */
export class UniqueConstraintError extends MigochatDbError {
  readonly code = 'UNIQUE_CONSTRAINT' as const;
  /** The table, when the driver told us. */
  readonly table: string | undefined;
  /** The columns of the violated constraint, when the driver told us. */
  readonly columns: string[];

  constructor(message: string, details: { table?: string; columns: string[]; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.table = details.table;
    this.columns = details.columns;
  }
}

/** A write refers to a row that does not exist (or a delete is still referenced). */
export class ForeignKeyError extends MigochatDbError {
  readonly code = 'FOREIGN_KEY' as const;
  /** The table, when the driver told us. */
  readonly table: string | undefined;

  constructor(message: string, details: { table?: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.table = details.table;
  }
}

/** A bad value as a short text: strings quoted up to 64 characters, anything else by its type; never throws. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}... (${value.length} characters)` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A value is not a member of the enum it must belong to. */
export class InvalidEnumValueError extends MigochatDbError {
  readonly code = 'INVALID_ENUM_VALUE' as const;
  /** The enum's name, e.g. `LeadStage`. */
  readonly enumName: string;
  /** The value that was refused. */
  readonly value: unknown;
  /** The values that are allowed. */
  readonly allowed: readonly string[];

  constructor(enumName: string, value: unknown, allowed: readonly string[]) {
    super(`Invalid ${enumName}: ${describeValue(value)}; allowed: ${allowed.join(', ')}`);
    this.enumName = enumName;
    this.value = value;
    this.allowed = allowed;
  }
}

/** The database cannot be reached (refused, timed out, shut down). */
export class DatabaseUnavailableError extends MigochatDbError {
  readonly code = 'DATABASE_UNAVAILABLE' as const;
}

/** A transaction kept failing on serialization conflicts, deadlocks or a busy SQLite file. */
export class TransactionConflictError extends MigochatDbError {
  readonly code = 'TRANSACTION_CONFLICT' as const;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.attempts = attempts;
  }
}

/** A statement ran longer than `statementTimeoutMs` and was cancelled. */
export class QueryTimeoutError extends MigochatDbError {
  readonly code = 'QUERY_TIMEOUT' as const;
}

/** A backup, restore, export or import could not be completed; the database is unchanged. */
export class BackupError extends MigochatDbError {
  readonly code = 'BACKUP_ERROR' as const;
}

/**
 * The disk (or the file-size limit) holding the database is full: the write
 * was refused and rolled back, nothing of it is stored. Free space and retry.
 */
export class StorageFullError extends MigochatDbError {
  readonly code = 'STORAGE_FULL' as const;
}

/**
 * The database file could not be read or written (an I/O error, or the file
 * was deleted or replaced while the database was open). The call's work is
 * not stored; check the disk and the file, then reopen the database.
 */
export class StorageError extends MigochatDbError {
  readonly code = 'STORAGE_ERROR' as const;
}

/** The database file or its folder is read-only (or the server is in read-only mode): nothing was written. */
export class DatabaseReadOnlyError extends MigochatDbError {
  readonly code = 'DATABASE_READ_ONLY' as const;
}

/** The database file is corrupt or is not a SQLite database. Restore it from a backup. */
export class DatabaseCorruptError extends MigochatDbError {
  readonly code = 'DATABASE_CORRUPT' as const;
}

/** The {@link Database} was closed: open a new one. Work queued before `close()` was finished first. */
export class DatabaseClosedError extends MigochatDbError {
  readonly code = 'DATABASE_CLOSED' as const;
}

/** A page cursor that is not a `nextCursor` this list method returned (tampered, truncated, or from another list). */
export class InvalidCursorError extends MigochatDbError {
  readonly code = 'INVALID_CURSOR' as const;
  /** The list method the cursor was given to, e.g. `conversations.inbox`. */
  readonly list: string;

  constructor(list: string, reason: string) {
    super(`cursor: not a nextCursor returned by ${list} (${reason})`);
    this.list = list;
  }
}

/**
 * A call on `db` was made inside `db.transaction(...)` on SQLite, where it
 * would wait for the transaction that is waiting for it. Use the callback's
 * `tx` argument instead (`tx.users`, `tx.messages`, ...).
 */
export class TransactionScopeError extends MigochatDbError {
  readonly code = 'TRANSACTION_SCOPE' as const;
}

/**
 * A Meta webhook body that is not in the shape Meta documents (see
 * `@migochat/db/meta`): names the path of the bad field and the rule it
 * breaks. Nothing of the body was written.
 *
 * @example
 * ```ts
 * try { await ingestWhatsAppWebhook(db, body); }
 * catch (e) {
 *   // e.path === 'entry[0].changes[0].value.messages[1].timestamp'
 *   if (isMigochatDbError(e) && e.code === 'INVALID_WEBHOOK_PAYLOAD') return res.sendStatus(400);
 *   throw e;
 * }
 * ```
 */
export class WebhookPayloadError extends MigochatDbError {
  readonly code = 'INVALID_WEBHOOK_PAYLOAD' as const;
  /** Where the bad field is, e.g. `entry[0].changes[0].value.messages[1].timestamp` (`''` for the body itself). */
  readonly path: string;
  /** The rule it breaks, e.g. `must be unix seconds as a string of digits`. */
  readonly rule: string;

  constructor(path: string, rule: string, options?: { cause?: unknown }) {
    super(`${path === '' ? 'webhook body' : path}: ${rule}`, options);
    this.path = path;
    this.rule = rule;
  }
}
