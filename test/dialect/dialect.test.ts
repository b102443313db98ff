// Each engine's dialect (src/dialect/), its SQL run against a real database of that engine.
import { MIGRATIONS } from '../../src/migrations/all';
import { describe, expect, it } from 'vitest';
import { dialectFor, postgresDialect, sqliteDialect, type Dialect } from '../../src/dialect';
import { User } from '../../src/entities/user.entity';
import type { RepositoryContext } from '../../src/repositories/context';
import { makeUser } from '../../src/testing';
import { TABLES, useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

type Rows = Array<Record<string, unknown>>;

/** The schema's tables and the migrations table. */
const TABLES_AND_MIGRATIONS = [...TABLES, 'migrations'];

describe('dialectFor', () => {
  it('gives one frozen dialect per engine', () => {
    expect(dialectFor('sqlite')).toBe(sqliteDialect);
    expect(dialectFor('postgres')).toBe(postgresDialect);
    for (const dialect of [sqliteDialect, postgresDialect]) expect(Object.isFrozen(dialect)).toBe(true);
    expect(sqliteDialect.engine).toBe('sqlite');
    expect(postgresDialect.engine).toBe('postgres');
  });
});

describe.each(engines())('the %s dialect', (engine) => {
  const dialect: Dialect = dialectFor(engine);
  const postgres = engine === 'postgres';
  const suite = useTestDatabase(engine);
  const query = (sql: string, parameters: unknown[] = []): Promise<Rows> => suite.db.manager.query(sql, parameters) as Promise<Rows>;

  it('is the dialect the repositories run on', () => {
    expect((suite.db.primary as unknown as RepositoryContext).dialect).toBe(dialect);
  });

  it('gives now with milliseconds, as timestamp text of its own form', async () => {
    const [row] = await query(`SELECT ${dialect.timestampText(dialect.now)} AS "now", ${dialect.timestampText(dialect.statementNow)} AS "statement_now"`);
    for (const text of [String(row?.['now']), String(row?.['statement_now'])]) {
      expect(text).toMatch(dialect.timestampTextPattern);
      expect(text).toMatch(postgres ? /:\d\d\.\d{1,6}[+-]/ : /:\d\d\.\d{3}$/);
      expect(Math.abs(new Date(postgres ? text : `${text.replace(' ', 'T')}Z`).getTime() - Date.now())).toBeLessThan(60_000);
    }
  });

  it('gives statementNow as the time of each statement, also inside one transaction', async () => {
    const stamps = await suite.db.transaction(async (tx) => {
      const read = async (): Promise<Record<string, unknown>> =>
        ((await tx.manager.query(`SELECT ${dialect.timestampText(dialect.now)} AS "now", ${dialect.timestampText(dialect.statementNow)} AS "statement_now"`)) as Rows)[0]!;
      const first = await read();
      await new Promise((resolve) => setTimeout(resolve, 15));
      return [first, await read()] as const;
    });
    expect(stamps[1]['statement_now']).not.toBe(stamps[0]['statement_now']);
    // PostgreSQL's now is the transaction's start; SQLite's is per statement.
    if (postgres) expect(stamps[1]['now']).toBe(stamps[0]['now']);
    else expect(stamps[1]['now']).not.toBe(stamps[0]['now']);
  });

  it('converts ? placeholders and numbers parameters as the engine wants them', async () => {
    const sql = dialect.placeholders('SELECT ? AS "a", ? AS "b"');
    expect(sql).toBe(postgres ? 'SELECT $1 AS "a", $2 AS "b"' : 'SELECT ? AS "a", ? AS "b"');
    expect([dialect.param(1), dialect.param(2)]).toEqual(postgres ? ['$1', '$2'] : ['?', '?']);
    const [row] = await dialect.queryRows(suite.db.manager, dialect.placeholders('SELECT CAST(? AS integer) AS "a", CAST(? AS text) AS "b"'), [7, 'x']);
    expect(row).toEqual({ a: 7, b: 'x' });
    const [numbered] = await query(`SELECT CAST(${dialect.param(1)} AS integer) AS "a", CAST(${dialect.param(2)} AS text) AS "b"`, [8, 'y']);
    expect(numbered).toEqual({ a: 8, b: 'y' });
  });

  it('runs fixed SQL on the current transaction (rolled back with it) and outside one', async () => {
    const psid = `dialect-${engine}-rollback`;
    const insert = dialect.placeholders('INSERT INTO "users" ("psid") VALUES (?) RETURNING "id", "psid"');
    const failure = await suite.db
      .transaction(async (tx) => {
        const [row] = await dialect.queryRows(tx.manager, insert, [psid]);
        expect(row?.['psid']).toBe(psid);
        const [seen] = await dialect.queryRows(tx.manager, dialect.placeholders('SELECT COUNT(*) AS "n" FROM "users" WHERE "psid" = ?'), [psid]);
        expect(Number(seen?.['n'])).toBe(1);
        throw new Error('roll back');
      })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe('roll back');
    const [after] = await dialect.queryRows(suite.db.manager, dialect.placeholders('SELECT COUNT(*) AS "n" FROM "users" WHERE "psid" = ?'), [psid]);
    expect(Number(after?.['n'])).toBe(0);
  });

  it('locks rows with FOR UPDATE / FOR SHARE on PostgreSQL and not at all on SQLite', async () => {
    const user = await makeUser(suite.db);
    const write = dialect.lock(suite.db.manager.createQueryBuilder(User, 'u').where('u.id = :id', { id: user.id }), 'write');
    const read = dialect.lock(suite.db.manager.createQueryBuilder(User, 'u').where('u.id = :id', { id: user.id }), 'read');
    if (postgres) {
      expect(write.getQuery()).toMatch(/ FOR UPDATE$/);
      expect(read.getQuery()).toMatch(/ FOR SHARE$/);
    } else {
      for (const qb of [write, read]) expect(qb.getQuery()).not.toMatch(/\bFOR\b/);
    }
    // Both run in a transaction (PostgreSQL refuses a lock outside one).
    const found = await suite.db.transaction(async (tx) => {
      const locked = dialect.lock(tx.manager.createQueryBuilder(User, 'u').where('u.id = :id', { id: user.id }), 'write');
      return locked.getOne();
    });
    expect(found?.id).toBe(user.id);
  });

  it('lists the migrated tables and counts their rows exactly', async () => {
    const user = await makeUser(suite.db);
    const listed = await query(dialect.listTablesSql);
    const names = listed.map((r) => String(r['name']));
    for (const table of TABLES_AND_MIGRATIONS) expect(names).toContain(table);
    for (const row of listed) expect(Number.isFinite(Number(row['estimate']))).toBe(true);
    const [counts] = await query(dialect.countRowsSql(['users', 'migrations']));
    const [exact] = await query('SELECT COUNT(*) AS "n" FROM "users"');
    expect(Number(counts?.['users'])).toBe(Number(exact?.['n']));
    expect(Number(counts?.['users'])).toBeGreaterThanOrEqual(1);
    expect(Number(counts?.['migrations'])).toBe(MIGRATIONS.length);
    expect(user.id).toBeGreaterThan(0);
  });

  it('answers the server version', async () => {
    const [row] = await query(dialect.serverVersionSql);
    expect(String(row?.['server_version'])).toMatch(/^\d+\.\d+/);
  });

  it('round-trips a stored timestamp exactly through timestampText and timestampPlaceholder, and compares Dates as dateParam', async () => {
    const user = await makeUser(suite.db);
    const [stored] = await query(`SELECT ${dialect.timestampText('"created_at"')} AS "at" FROM "users" WHERE "id" = ${dialect.param(1)}`, [user.id]);
    const text = String(stored?.['at']);
    expect(text).toMatch(dialect.timestampTextPattern);
    const same = await dialect.queryRows(suite.db.manager, dialect.placeholders(`SELECT "id" FROM "users" WHERE "id" = ? AND "created_at" = ${dialect.timestampPlaceholder}`), [user.id, text]);
    expect(same.map((r) => Number(r['id']))).toEqual([user.id]);

    const hourAgo = new Date(Date.now() - 3_600_000);
    expect(typeof dialect.dateParam(hourAgo)).toBe(postgres ? 'object' : 'string');
    const since = (at: Date): Promise<number> =>
      suite.db.manager
        .createQueryBuilder(User, 'u')
        .where('u.id = :id', { id: user.id })
        .andWhere(`u.createdAt >= ${dialect.timestampParam('since')}`, { since: dialect.dateParam(at) })
        .getCount();
    expect(await since(hourAgo)).toBe(1);
    expect(await since(new Date(Date.now() + 3_600_000))).toBe(0);
  });

  it('returns only the updated table\'s columns from an UPDATE ... FROM (VALUES ...)', async () => {
    const user = await makeUser(suite.db);
    const sql = dialect.placeholders(
      `UPDATE "users" SET "notes" = v.column2 FROM (VALUES (CAST(? AS integer), CAST(? AS text))) AS v WHERE "users"."id" = v.column1 RETURNING ${dialect.returningAll('users')}`,
    );
    const [row] = await dialect.queryRows(suite.db.manager, sql, [user.id, 'noted']);
    expect(row?.['notes']).toBe('noted');
    const columns = suite.db.dataSource.getMetadata(User).columns.map((c) => c.databaseName);
    expect(Object.keys(row ?? {}).sort()).toEqual([...columns].sort());
  });

  it('touches updated_at with milliseconds where TypeORM would not (SQLite), and leaves it to TypeORM elsewhere', async () => {
    const values = { notes: 'x' };
    const touched = dialect.touch(values);
    if (postgres) expect(touched).toBe(values);
    else expect(Object.keys(touched)).toEqual(['notes', 'updatedAt']);
    const user = await makeUser(suite.db);
    await suite.db.manager.createQueryBuilder().update(User).set(dialect.touch({ notes: 'touched' })).where('id = :id', { id: user.id }).execute();
    const [row] = await query(`SELECT ${dialect.timestampText('"updated_at"')} AS "at", "notes" FROM "users" WHERE "id" = ${dialect.param(1)}`, [user.id]);
    expect(row?.['notes']).toBe('touched');
    expect(String(row?.['at'])).toMatch(postgres ? /:\d\d\.\d{1,6}[+-]/ : /:\d\d\.\d{3}$/);
  });

  it('keeps the upsert guard and the isolation level only where concurrent writers need them (PostgreSQL)', () => {
    expect(dialect.upsertGuard('"a" = EXCLUDED."a"')).toBe(postgres ? '"a" = EXCLUDED."a"' : undefined);
    expect(dialect.transactionIsolation('SERIALIZABLE')).toBe(postgres ? 'SERIALIZABLE' : undefined);
    expect(dialect.transactionIsolation(undefined)).toBeUndefined();
  });

  it('leaves the transaction usable after a failed statement run as recoverable', async () => {
    const psid = `dialect-${engine}-recoverable`;
    await suite.db.transaction(async (tx) => {
      const run = (sql: string, parameters?: unknown[]): Promise<unknown> => tx.manager.query(sql, parameters);
      await expect(dialect.recoverable(run, () => run('SELECT * FROM "no_such_table"'))).rejects.toThrow(/no_such_table/);
      expect(await dialect.recoverable(run, async () => 'fine')).toBe('fine');
      await run(dialect.placeholders('INSERT INTO "users" ("psid") VALUES (?)'), [psid]);
    });
    expect((await suite.db.users.findByPsid(psid))?.psid).toBe(psid);
  });

  it('moves the id sequence past ids inserted explicitly', async () => {
    const [top] = await query('SELECT MAX("id") AS "id" FROM "users"');
    const explicit = Number(top?.['id'] ?? 0) + 100;
    await suite.db.transaction(async (tx) => {
      const run = (sql: string, parameters?: unknown[]): Promise<unknown> => tx.manager.query(sql, parameters);
      await run(dialect.placeholders('INSERT INTO "users" ("id", "psid") VALUES (?, ?)'), [explicit, `dialect-${engine}-explicit`]);
      await dialect.resetIdentity(run, 'users');
    });
    const next = await makeUser(suite.db);
    expect(next.id).toBe(explicit + 1);
  });

  it('hydrates what the driver returns: booleans and stored timestamp text', () => {
    expect(dialect.nativeBooleans).toBe(postgres);
    const parse = dialect.parseStoredTimestamp;
    if (postgres) {
      expect(parse).toBeNull();
      return;
    }
    expect(parse?.('2026-02-03 04:05:06.789')?.toISOString()).toBe('2026-02-03T04:05:06.789Z');
    for (const other of ['2026-02-03 04:05:06', '2026-02-03T04:05:06.789Z', '0099-02-03 04:05:06.789', 'x'.repeat(23)]) expect(parse?.(other)).toBeNull();
  });
});
