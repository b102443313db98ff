// The PostgreSQL fixed-SQL runner (src/dialect/postgres-statements.ts) on a
// direct connection: named statements, no query-runner checkout for plain
// reads, stale plans prepared again, timeouts still typed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/database';
import { postgresDialect } from '../../src/dialect';
import { MAX_NAMED_PARAMETERS, statementName } from '../../src/dialect/postgres-statements';
import { isMigochatDbError } from '../../src/errors';
import { makeUser } from '../../src/testing';
import { engines, openTestDb } from '../support/engines';

type Rows = Array<Record<string, unknown>>;

/** The library's named statements prepared on the connection of `tx` (a transaction's manager). */
async function preparedOn(db: Database, read: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<unknown>): Promise<string[]> {
  return db.transaction(async (tx) => {
    await read(tx);
    const rows = (await tx.manager.query("SELECT name FROM pg_prepared_statements WHERE name LIKE 'mg\\_%'")) as Rows;
    return rows.map((r) => String(r['name']));
  });
}

describe('statementName', () => {
  it('names a statement by a hash of its text: the same text always, other texts differently', () => {
    const a = statementName('SELECT * FROM "users" WHERE "psid" = $1 LIMIT 1');
    expect(a).toMatch(/^mg_[0-9a-f]{16}$/);
    expect(statementName('SELECT * FROM "users" WHERE "psid" = $1 LIMIT 1')).toBe(a);
    expect(statementName('SELECT * FROM "users" WHERE "phone_number" = $1 LIMIT 1')).not.toBe(a);
  });
});

describe.runIf(engines().includes('postgres'))('PostgreSQL fixed SQL on a direct connection', () => {
  const opened: Database[] = [];
  const open = async (options: Parameters<typeof openTestDb>[1] = {}): Promise<Database> => {
    const db = await openTestDb('postgres', options);
    opened.push(db);
    return db;
  };

  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
  });

  it("prepares the hot statements under 'auto' (the default) when the connection reaches the server directly", async () => {
    const db = await open();
    const user = await makeUser(db, { psid: 'named-auto' });
    const names = await preparedOn(db, async (tx) => {
      await tx.users.findByPsid('named-auto');
      await tx.messages.listForUser(user.id, { limit: 5 });
    });
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) expect(name).toMatch(/^mg_[0-9a-f]{16}$/);
  });

  it('prepares nothing with preparedStatements: false', async () => {
    const db = await open({ options: { preparedStatements: false } });
    await makeUser(db, { psid: 'named-off' });
    const names = await preparedOn(db, async (tx) => {
      expect((await tx.users.findByPsid('named-off'))?.psid).toBe('named-off');
    });
    expect(names).toEqual([]);
  });

  it('sends statements with more than the named limit of parameters unnamed', async () => {
    const db = await open({ options: { preparedStatements: true } });
    const many = Array.from({ length: MAX_NAMED_PARAMETERS + 1 }, (_, i) => i);
    const names = await preparedOn(db, async (tx) => {
      const sql = postgresDialect.placeholders(`SELECT COUNT(*) AS "n" FROM "users" WHERE "id" IN (${many.map(() => '?').join(', ')})`);
      await postgresDialect.queryRows(tx.manager, sql, many);
    });
    expect(names).toEqual([]);
  });

  it('runs a plain read outside a transaction without checking out a TypeORM query runner', async () => {
    const db = await open();
    const user = await makeUser(db, { psid: 'no-runner' });
    const createQueryRunner = vi.spyOn(db.dataSource, 'createQueryRunner');
    try {
      expect((await db.users.findByPsid('no-runner'))?.id).toBe(user.id);
      expect((await db.users.findById(user.id))?.psid).toBe('no-runner');
      expect((await db.conversations.inbox({ limit: 5 })).items).toEqual([]);
      expect(createQueryRunner).not.toHaveBeenCalled();
    } finally {
      createQueryRunner.mockRestore();
    }
  });

  it('prepares a statement again after a migration changes its table, outside a transaction', async () => {
    // One connection, so the second read meets the plan the first one prepared.
    const db = await open({ options: { poolSize: 1 } });
    const user = await makeUser(db, { psid: 'stale-plan' });
    expect((await db.users.findById(user.id))?.psid).toBe('stale-plan');
    await db.manager.query('ALTER TABLE "users" ADD COLUMN "legacy_ref" integer');
    expect((await db.users.findById(user.id))?.psid).toBe('stale-plan');
    expect((await db.users.findById(user.id))?.psid).toBe('stale-plan');
  });

  it("gives a statement's unchanged columns as the same array on every run, and new columns after a migration", async () => {
    const db = await open({ options: { poolSize: 1 } });
    await makeUser(db, { psid: 'same-columns' });
    const sql = 'SELECT * FROM "users" WHERE "psid" = $1 LIMIT 1';
    const first = await db.run((m) => postgresDialect.queryTable(m, sql, ['same-columns']));
    const second = await db.run((m) => postgresDialect.queryTable(m, sql, ['same-columns']));
    expect(second.columns).toBe(first.columns);
    await db.manager.query('ALTER TABLE "users" ADD COLUMN "legacy_code" integer');
    const third = await db.run((m) => postgresDialect.queryTable(m, sql, ['same-columns']));
    expect(third.columns).not.toBe(first.columns);
    expect(third.columns).toEqual([...first.columns, 'legacy_code']);
    expect(third.rows[0]).toHaveLength(first.columns.length + 1);
    // The entity's hydrator still reads the user by name from the wider row.
    expect((await db.users.findByPsid('same-columns'))?.psid).toBe('same-columns');
  });

  it('fails a named statement running past statementTimeoutMs with a QueryTimeoutError', async () => {
    const db = await open({ options: { statementTimeoutMs: 200, preparedStatements: true } });
    const error = await db.run((m) => postgresDialect.queryRows(m, 'SELECT pg_sleep($1)', [3])).catch((e: unknown) => e);
    expect(isMigochatDbError(error) && error.code).toBe('QUERY_TIMEOUT');
    // The connection is usable again afterwards.
    expect(await db.users.findByPsid('nobody')).toBeNull();
  });
});
