import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conversation } from '../src/entities/conversation.entity';
import { Message } from '../src/entities/message.entity';
import { User } from '../src/entities/user.entity';
import { openDatabase } from '../src/database';
import { isConflict, isUnavailable, scrubMessage, toDatabaseError } from '../src/driver-errors';
import { MessageDirection, MessageSource } from '../src/enums';
import {
  DatabaseUnavailableError,
  EntityValidationError,
  ForeignKeyError,
  isMigochatDbError,
  NotFoundError,
  QueryTimeoutError,
  TransactionConflictError,
  UniqueConstraintError,
} from '../src/errors';
import { makeConversation, makeUser } from '../src/testing';
import { useTestDatabase } from './support/database';
import { engines, pgUrl } from './support/engines';
import { freePort } from './support/pg-cluster';
import { rejection } from './support/errors';

describe.each(engines())('driver errors from %s', (engine) => {
  const suite = useTestDatabase(engine);
  let userId: number;
  let conversationId: number;

  beforeAll(async () => {
    userId = (await makeUser(suite.db, { psid: 'drv-owner', phoneNumber: '+201000000001' })).id;
    conversationId = (await makeConversation(suite.db, { userId, source: MessageSource.MESSENGER })).id;
  });

  const message = (values: Partial<Message>): Message =>
    Object.assign(new Message(), { userId, conversationId, direction: MessageDirection.INBOUND, source: MessageSource.MESSENGER, ...values });

  it('turns a duplicate psid into UniqueConstraintError naming the table and column', async () => {
    const raw = await rejection(suite.db.manager.save(Object.assign(new User(), { psid: 'drv-owner' })));
    const error = toDatabaseError(raw, engine);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    const unique = error as UniqueConstraintError;
    expect(unique.code).toBe('UNIQUE_CONSTRAINT');
    expect(unique.table).toBe('users');
    expect(unique.columns).toEqual(['psid']);
    expect(unique.cause).toBe(raw);
  });

  it('names the phone_number column of a duplicate phone number', async () => {
    const raw = await rejection(suite.db.manager.save(Object.assign(new User(), { psid: 'drv-other', phoneNumber: '+201000000001' })));
    expect((toDatabaseError(raw, engine) as UniqueConstraintError).columns).toEqual(['phone_number']);
  });

  it('names both columns of a violated composite unique index', async () => {
    const raw = await rejection(suite.db.manager.save(Object.assign(new Conversation(), { userId, source: MessageSource.MESSENGER })));
    const error = toDatabaseError(raw, engine) as UniqueConstraintError;
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error.columns).toEqual(['user_id', 'source']);
  });

  it('names the facebook_message_id column of a duplicate message id', async () => {
    await suite.db.manager.save(message({ facebookMessageId: 'm_drv_1' }));
    const raw = await rejection(suite.db.manager.save(message({ facebookMessageId: 'm_drv_1' })));
    const error = toDatabaseError(raw, engine) as UniqueConstraintError;
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error.table).toBe('messages');
    expect(error.columns).toEqual(['facebook_message_id']);
  });

  it('turns a missing parent row into ForeignKeyError', async () => {
    const raw = await rejection(suite.db.manager.save(message({ userId: 987_654 })));
    const error = toDatabaseError(raw, engine);
    expect(error).toBeInstanceOf(ForeignKeyError);
    expect((error as ForeignKeyError).code).toBe('FOREIGN_KEY');
    expect((error as ForeignKeyError).cause).toBe(raw);
    if (engine === 'postgres') expect((error as ForeignKeyError).table).toBe('messages');
  });

  it('turns a CHECK violation of a raw insert into EntityValidationError naming the table and column', async () => {
    const raw = await rejection(suite.db.manager.query(`INSERT INTO "users" ("psid", "lead_stage") VALUES ('drv-check', 'bogus')`));
    const error = toDatabaseError(raw, engine);
    expect(error).toBeInstanceOf(EntityValidationError);
    const invalid = error as EntityValidationError;
    expect(invalid.entity).toBe('users');
    expect(invalid.issues).toHaveLength(1);
    expect(invalid.issues[0]).toMatchObject({ property: 'lead_stage', rules: ['check'] });
    expect(invalid.cause).toBe(raw);
  });

  it('finds the table of a CHECK on a table whose name has an underscore', async () => {
    const raw = await rejection(
      suite.db.manager.query(`INSERT INTO "lead_activities" ("user_id", "activity_type") VALUES (${userId}, 'gossip')`),
    );
    const error = toDatabaseError(raw, engine) as EntityValidationError;
    expect(error).toBeInstanceOf(EntityValidationError);
    expect(error.entity).toBe('lead_activities');
    expect(error.issues[0]).toMatchObject({ property: 'activity_type', rules: ['check'] });
  });

  it('turns a NOT NULL violation into EntityValidationError naming the column', async () => {
    const raw = await rejection(suite.db.manager.query(`INSERT INTO "app_settings" ("key", "value") VALUES ('drv.key', 'x')`));
    const error = toDatabaseError(raw, engine) as EntityValidationError;
    expect(error).toBeInstanceOf(EntityValidationError);
    expect(error.issues[0]).toMatchObject({ property: 'value_type', rules: ['notNull'] });
  });

  it('translates the errors of db.run too', async () => {
    const error = await rejection(suite.db.run((manager) => manager.save(Object.assign(new User(), { psid: 'drv-owner' }))));
    expect(error).toBeInstanceOf(UniqueConstraintError);
  });

  it('passes our own errors through and returns unknown errors unchanged', async () => {
    const ours = new NotFoundError('User', { id: 1 });
    expect(toDatabaseError(ours, engine)).toBe(ours);
    const raw = await rejection(suite.db.manager.query('SELECT * FROM "no_such_table"'));
    expect(isMigochatDbError(toDatabaseError(raw, engine))).toBe(false);
    expect(toDatabaseError(raw, engine)).toBe(raw);
  });
});

describe('driver errors when the database cannot be reached', () => {
  it('opening PostgreSQL on a closed port gives DatabaseUnavailableError without the password', async () => {
    const port = await freePort();
    const error = await rejection(
      openDatabase({ url: `postgres://crm:Sup3rS3cretPw@127.0.0.1:${port}/crm`, connectTimeoutMs: 200 }),
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const unavailable = error as DatabaseUnavailableError;
    expect(unavailable.code).toBe('DATABASE_UNAVAILABLE');
    expect(unavailable.message).toContain('postgres');
    expect(unavailable.message).not.toContain('Sup3rS3cretPw');
    expect(unavailable.cause).toBeDefined();
    // Nor anywhere a logger could print it: the driver error kept as cause included.
    expect(inspect(unavailable, { depth: 10 })).not.toContain('Sup3rS3cretPw');
  });

  it('opening a SQLite path that is a directory gives DatabaseUnavailableError', async () => {
    const error = await rejection(openDatabase({ url: 'sqlite:/tmp', connectTimeoutMs: 0 }));
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
  });
});

describe.each(engines().filter((e) => e === 'postgres'))('driver errors from %s credentials', () => {
  it('a wrong password gives DatabaseUnavailableError that does not contain it', async () => {
    const url = new URL(pgUrl());
    url.password = 'Wr0ngPassw0rd';
    const error = await rejection(openDatabase({ url: url.toString(), connectTimeoutMs: 0 }));
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).not.toContain('Wr0ngPassw0rd');
    expect(inspect(error, { depth: 10 })).not.toContain('Wr0ngPassw0rd');
    expect((error as Error).message).toContain('password authentication failed');
  });
});

describe('driver error helpers', () => {
  it('scrubMessage masks the password of every URL in a message', () => {
    expect(scrubMessage('cannot reach postgres://crm:s3cret@db/crm or postgresql://a:b@c/d')).toBe(
      'cannot reach postgres://crm:****@db/crm or postgresql://a:****@c/d',
    );
  });

  it('isUnavailable recognises network codes, PostgreSQL shutdown codes and nested causes', () => {
    expect(isUnavailable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(isUnavailable({ code: '57P01' })).toBe(true);
    expect(isUnavailable({ driverError: { code: 'ECONNRESET' } })).toBe(true);
    expect(isUnavailable(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ETIMEDOUT' }) }))).toBe(true);
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailable({ code: '23505' })).toBe(false);
    expect(isUnavailable(null)).toBe(false);
  });

  it('isConflict recognises serialization failures, deadlocks and a busy SQLite file', () => {
    for (const code of ['40001', '40P01', 'SQLITE_BUSY', 'SQLITE_LOCKED']) expect(isConflict({ code })).toBe(true);
    expect(isConflict({ code: '23505' })).toBe(false);
  });

  it('turns a statement timeout into QueryTimeoutError and a conflict into TransactionConflictError', () => {
    expect(toDatabaseError({ code: '57014', message: 'canceling statement due to statement timeout' }, 'postgres')).toBeInstanceOf(QueryTimeoutError);
    expect(toDatabaseError({ code: '40001', message: 'could not serialize access' }, 'postgres')).toBeInstanceOf(TransactionConflictError);
  });
});

describe('driver codes without a driver', () => {
  const driverError = (code: string, message = 'driver said no') => Object.assign(new Error(message), { code });

  it.each([
    ['SQLITE_FULL', 'STORAGE_FULL'],
    ['53100', 'STORAGE_FULL'],
    ['SQLITE_READONLY', 'DATABASE_READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'DATABASE_READ_ONLY'],
    ['25006', 'DATABASE_READ_ONLY'],
    ['SQLITE_CORRUPT', 'DATABASE_CORRUPT'],
    ['SQLITE_NOTADB', 'DATABASE_CORRUPT'],
    ['XX001', 'DATABASE_CORRUPT'],
    ['SQLITE_IOERR', 'STORAGE_ERROR'],
    ['SQLITE_IOERR_FSYNC', 'STORAGE_ERROR'],
    ['58030', 'STORAGE_ERROR'],
    ['22P02', 'ENTITY_VALIDATION_ERROR'],
    ['22003', 'ENTITY_VALIDATION_ERROR'],
    ['22007', 'ENTITY_VALIDATION_ERROR'],
    ['22008', 'ENTITY_VALIDATION_ERROR'],
  ])('translates %s into %s, keeping the driver error as cause', (code, expected) => {
    const raw = driverError(code);
    const translated = toDatabaseError(raw, code.startsWith('SQLITE') ? 'sqlite' : 'postgres');
    expect(isMigochatDbError(translated) && translated.code).toBe(expected);
    expect((translated as Error & { cause?: unknown }).cause).toBe(raw);
  });

  it.each(['timeout expired', 'Connection terminated due to connection timeout', 'Query read timeout'])(
    'recognises pg\'s own plain "%s" as an unavailable database',
    (message) => {
      const translated = toDatabaseError(new Error(message), 'postgres');
      expect(isMigochatDbError(translated) && translated.code).toBe('DATABASE_UNAVAILABLE');
    },
  );

  it('scrubs a 40,000-letter message, keeping plain text and removing a secret between such runs', () => {
    const letters = 'a'.repeat(40_000);
    expect(scrubMessage(letters)).toBe(letters);
    expect(scrubMessage(`${letters} postgres://u:secret@h/db ${letters}`)).not.toContain('secret');
  });
});
