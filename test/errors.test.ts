import { describe, expect, it } from 'vitest';
import {
  BackupError,
  ConfigError,
  DatabaseClosedError,
  DatabaseCorruptError,
  DatabaseReadOnlyError,
  DatabaseUnavailableError,
  EntityValidationError,
  InvalidCursorError,
  StorageError,
  StorageFullError,
  TransactionScopeError,
  ForeignKeyError,
  InvalidEnumValueError,
  isMigochatDbError,
  MigochatDbError,
  NotFoundError,
  QueryTimeoutError,
  TransactionConflictError,
  UniqueConstraintError,
  WebhookPayloadError,
} from '../src/errors';

const cause = new Error('driver said no');

const CASES: Array<[string, MigochatDbError, string]> = [
  ['ConfigError', new ConfigError('DB_POOL_SIZE', 'bad'), 'CONFIG_ERROR'],
  ['EntityValidationError', new EntityValidationError('User', [{ property: 'email', rules: ['isEmail'], messages: ['email must be an email'] }]), 'ENTITY_VALIDATION_ERROR'],
  ['NotFoundError', new NotFoundError('User', { id: 42 }), 'NOT_FOUND'],
  ['UniqueConstraintError', new UniqueConstraintError('dup', { table: 'users', columns: ['psid'], cause }), 'UNIQUE_CONSTRAINT'],
  ['ForeignKeyError', new ForeignKeyError('fk', { table: 'messages', cause }), 'FOREIGN_KEY'],
  ['InvalidEnumValueError', new InvalidEnumValueError('LeadStage', 'bogus', ['new']), 'INVALID_ENUM_VALUE'],
  ['DatabaseUnavailableError', new DatabaseUnavailableError('down', { cause }), 'DATABASE_UNAVAILABLE'],
  ['TransactionConflictError', new TransactionConflictError('conflict', 3, { cause }), 'TRANSACTION_CONFLICT'],
  ['QueryTimeoutError', new QueryTimeoutError('slow', { cause }), 'QUERY_TIMEOUT'],
  ['BackupError', new BackupError('backup failed'), 'BACKUP_ERROR'],
  ['StorageFullError', new StorageFullError('disk full', { cause }), 'STORAGE_FULL'],
  ['StorageError', new StorageError('io', { cause }), 'STORAGE_ERROR'],
  ['DatabaseReadOnlyError', new DatabaseReadOnlyError('ro', { cause }), 'DATABASE_READ_ONLY'],
  ['DatabaseCorruptError', new DatabaseCorruptError('corrupt', { cause }), 'DATABASE_CORRUPT'],
  ['DatabaseClosedError', new DatabaseClosedError('closed'), 'DATABASE_CLOSED'],
  ['InvalidCursorError', new InvalidCursorError('conversations.inbox', 'not base64url'), 'INVALID_CURSOR'],
  ['TransactionScopeError', new TransactionScopeError('use tx'), 'TRANSACTION_SCOPE'],
  ['WebhookPayloadError', new WebhookPayloadError('entry[0].time', 'must be a number'), 'INVALID_WEBHOOK_PAYLOAD'],
];

describe('error classes', () => {
  it.each(CASES)('%s has its name and stable code and extends MigochatDbError and Error', (name, error, code) => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(MigochatDbError);
    expect(error).toBeInstanceOf(Error);
    expect(isMigochatDbError(error)).toBe(true);
  });

  it('keeps the driver error as cause', () => {
    expect(new UniqueConstraintError('dup', { columns: ['psid'], cause }).cause).toBe(cause);
    expect(new DatabaseUnavailableError('down', { cause }).cause).toBe(cause);
  });

  it('WebhookPayloadError names the path and the rule in its message and properties', () => {
    const error = new WebhookPayloadError('entry[0].changes[0].value.messages[1].timestamp', 'must be unix seconds as a string of digits');
    expect(error.path).toBe('entry[0].changes[0].value.messages[1].timestamp');
    expect(error.rule).toBe('must be unix seconds as a string of digits');
    expect(error.message).toBe('entry[0].changes[0].value.messages[1].timestamp: must be unix seconds as a string of digits');
  });

  it('ConfigError names the setting in its message and property', () => {
    const error = new ConfigError('DB_POOL_SIZE', '"x" is not allowed');
    expect(error.setting).toBe('DB_POOL_SIZE');
    expect(error.message).toBe('DB_POOL_SIZE: "x" is not allowed');
  });

  it('EntityValidationError lists every property and rule in its message', () => {
    const error = new EntityValidationError('User', [
      { property: 'email', rules: ['isEmail'], messages: ['bad email'] },
      { property: 'leadScore', rules: ['max'], messages: ['too high'] },
    ]);
    expect(error.message).toBe('Invalid User: email (isEmail: bad email); leadScore (max: too high)');
    expect(error.entity).toBe('User');
  });

  it('NotFoundError carries the entity and the criteria', () => {
    const error = new NotFoundError('User', { id: 42 });
    expect(error.message).toBe('User not found: {"id":42}');
    expect(error.criteria).toEqual({ id: 42 });
  });

  it('TransactionConflictError counts the attempts', () => {
    expect(new TransactionConflictError('gave up', 6).attempts).toBe(6);
  });
});

describe('isMigochatDbError', () => {
  it.each(CASES)('recognises a plain object copy of a %s (another package copy)', (_name, error) => {
    expect(isMigochatDbError({ ...error })).toBe(true);
    expect(isMigochatDbError(JSON.parse(JSON.stringify(error)))).toBe(true);
  });

  it('recognises an error from a duplicated class with the same name and code', () => {
    // What a second copy of the package would produce: not our class, same name and code.
    class NotFoundErrorCopy extends Error {
      readonly code = 'NOT_FOUND';
      constructor() {
        super('User not found');
        this.name = 'NotFoundError';
      }
    }
    const copy = new NotFoundErrorCopy();
    expect(copy).not.toBeInstanceOf(MigochatDbError);
    expect(isMigochatDbError(copy)).toBe(true);
  });

  it('recognises a subclass that keeps its parent code under its own name', () => {
    class LineError extends BackupError {}
    const error = new LineError('line 3 is broken');
    expect(error.name).toBe('LineError');
    expect(isMigochatDbError(error)).toBe(true);
    expect(isMigochatDbError({ name: 'ImportLineError', code: 'BACKUP_ERROR' })).toBe(true);
  });

  it('refuses values that are not objects', () => {
    for (const value of [null, undefined, 'NotFoundError', 42, true, Symbol('x')]) {
      expect(isMigochatDbError(value)).toBe(false);
    }
  });

  it('refuses a plain Error, or a built-in error, that happens to carry one of our codes', () => {
    expect(isMigochatDbError(Object.assign(new Error('nope'), { code: 'NOT_FOUND' }))).toBe(false);
    expect(isMigochatDbError(Object.assign(new TypeError('nope'), { code: 'CONFIG_ERROR' }))).toBe(false);
    expect(isMigochatDbError({ name: 'Error', code: 'FOREIGN_KEY' })).toBe(false);
  });

  it('refuses one of our names with another class code', () => {
    expect(isMigochatDbError({ name: 'NotFoundError', code: 'CONFIG_ERROR' })).toBe(false);
    expect(isMigochatDbError({ name: 'ConfigError', code: 'NOT_FOUND' })).toBe(false);
  });

  it('refuses our names with unknown codes, and objects missing name or code', () => {
    expect(isMigochatDbError({ name: 'NotFoundError', code: 'ENOENT' })).toBe(false);
    expect(isMigochatDbError({ name: 'NotFoundError' })).toBe(false);
    expect(isMigochatDbError({ code: 'NOT_FOUND' })).toBe(false);
    expect(isMigochatDbError({ name: 42, code: 'NOT_FOUND' })).toBe(false);
  });

  it('refuses driver errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const pg = Object.assign(new Error('duplicate key'), { name: 'DatabaseError', code: '23505' });
    const sqlite = Object.assign(new Error('UNIQUE constraint failed'), { name: 'SqliteError', code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(isMigochatDbError(refused)).toBe(false);
    expect(isMigochatDbError(pg)).toBe(false);
    expect(isMigochatDbError(sqlite)).toBe(false);
  });

  it('refuses names that do not look like an error class', () => {
    expect(isMigochatDbError({ name: 'notfound', code: 'NOT_FOUND' })).toBe(false);
    expect(isMigochatDbError({ name: 'Backup', code: 'BACKUP_ERROR' })).toBe(false);
  });
});

describe('error messages of bad input', () => {
  it('EntityValidationError keeps its message bounded however many issues and however long their texts', () => {
    const issues = Array.from({ length: 50 }, (_, i) => ({ property: `p${i}`, rules: ['maxLength'], messages: ['x'.repeat(10_000)] }));
    const error = new EntityValidationError('User', issues);
    expect(error.message.length).toBeLessThan(2500);
    expect(error.message).toContain('and 40 more');
  });

  it("EntityValidationError's message names the first field and rule and keeps that rule's text whole", () => {
    const text = `sentAt must be a time from 2004-01-01T00:00:00.000Z to one day after now, got the Date 1970-01-20T16:13:20.000Z: ${'it looks like seconds read as milliseconds '.repeat(4)}`;
    const error = new EntityValidationError('Message', [
      { property: 'sentAt', rules: ['plausibleTime'], messages: [text] },
      { property: 'text', rules: ['maxLength'], messages: ['y'.repeat(500)] },
    ]);
    expect(error.message.startsWith(`Invalid Message: sentAt (plausibleTime: ${text})`)).toBe(true);
    expect(error.message).toContain(`text (maxLength: ${'y'.repeat(160)}...)`);
  });

  it('InvalidEnumValueError describes any value without throwing, bigints and cycles included', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(new InvalidEnumValueError('LeadStage', 10n, ['new']).message).toBe('Invalid LeadStage: 10n; allowed: new');
    expect(new InvalidEnumValueError('LeadStage', cyclic, ['new']).message).toBe('Invalid LeadStage: an object; allowed: new');
    expect(new InvalidEnumValueError('LeadStage', 'y'.repeat(50_000), ['new']).message.length).toBeLessThan(200);
  });
});
