// SQLite: createDataSource binds the numbers of query-builder SQL as
// parameters (bindNumbersAsParameters in src/typeorm/sqlite-parameters.ts), so one prepared
// statement serves every id. Binding must not change what the SQL means.
import { describe, expect, it } from 'vitest';
import { User } from '../../src/entities/user.entity';
import { makeUser } from '../../src/testing';
import { sqliteParameters } from '../../src/typeorm/index';
import { useTestDatabase } from '../support/database';
import { captureQueries } from '../support/query-plan';

describe('numbers in query-builder SQL on SQLite', () => {
  const suite = useTestDatabase('sqlite', { emptyTablesAfterEach: true });

  const rawScore = async (id: number): Promise<{ v: unknown; t: string }> => {
    const rows = (await suite.db.manager.query('SELECT "lead_score" AS v, typeof("lead_score") AS t FROM "users" WHERE "id" = ?', [id])) as Array<{
      v: unknown;
      t: string;
    }>;
    return rows[0]!;
  };

  it('runs findById for 50 different ids as one SQL text and finds each user', async () => {
    const users: User[] = [];
    for (let i = 0; i < 50; i++) users.push(await makeUser(suite.db));
    const found: Array<User | null> = [];
    const queries = await captureQueries(suite.db, async () => {
      for (const u of users) found.push(await suite.db.users.findById(u.id));
    });
    const selects = queries.filter((q) => /FROM "users"/.test(q.sql));
    expect(selects).toHaveLength(50);
    expect(new Set(selects.map((q) => q.sql)).size).toBe(1);
    // Whole numbers are bound as BigInt, which better-sqlite3 binds as INTEGER (a number would be a REAL).
    expect(selects.map((q) => q.params)).toEqual(users.map((u) => [BigInt(u.id)]));
    expect(found.map((u) => [u?.id, u?.psid])).toEqual(users.map((u) => [u.id, u.psid]));
    expect(await suite.db.users.findById(users[49]!.id + 1000)).toBeNull();
  });

  it('compares an INTEGER column with a numeric parameter', async () => {
    const low = await makeUser(suite.db, { leadScore: 9 });
    const edge = await makeUser(suite.db, { leadScore: 10 });
    const high = await makeUser(suite.db, { leadScore: 75 });
    const rows = await suite.db.manager.createQueryBuilder(User, 'u').where('u.leadScore >= :s', { s: 10 }).orderBy('u.id', 'ASC').getMany();
    expect(rows.map((u) => u.id)).toEqual([edge.id, high.id]);
    expect(rows.some((u) => u.id === low.id)).toBe(false);
  });

  it('compares a TEXT column with a numeric parameter as SQLite does with a number literal', async () => {
    const numeric = await makeUser(suite.db, { psid: '12345' });
    await makeUser(suite.db, { psid: '12345.0' });
    const literal = await suite.db.manager.createQueryBuilder(User, 'u').where("u.psid = 12345").getMany();
    expect(literal.map((u) => u.id)).toEqual([numeric.id]);
    const bound = await suite.db.manager.createQueryBuilder(User, 'u').where('u.psid = :p', { p: 12345 }).getMany();
    expect(bound.map((u) => u.id)).toEqual([numeric.id]);
  });

  it('accepts a numeric parameter as a LIMIT in a subquery', async () => {
    const users = [await makeUser(suite.db), await makeUser(suite.db), await makeUser(suite.db), await makeUser(suite.db)];
    const rows = await suite.db.manager
      .createQueryBuilder(User, 'u')
      .where('u.id IN (SELECT "id" FROM "users" ORDER BY "id" ASC LIMIT :n)', { n: 2 })
      .orderBy('u.id', 'ASC')
      .getMany();
    expect(rows.map((u) => u.id)).toEqual(users.slice(0, 2).map((u) => u.id));
  });

  it('keeps integer arithmetic with a numeric parameter integer, as on PostgreSQL', async () => {
    const user = await makeUser(suite.db, { leadScore: 15 });
    const row = await suite.db.manager
      .createQueryBuilder(User, 'u')
      .select('u.leadScore / :d', 'half')
      .addSelect('typeof(u.leadScore / :d)', 'kind')
      .where('u.id = :id', { id: user.id, d: 2 })
      .getRawOne<{ half: number; kind: string }>();
    expect(row).toEqual({ half: 7, kind: 'integer' });
  });

  it('stores an integer when an update adds a numeric parameter to an integer column', async () => {
    const user = await makeUser(suite.db, { leadScore: 40 });
    const result = await suite.db.manager
      .createQueryBuilder()
      .update(User)
      .set({ leadScore: () => '"lead_score" + :d' })
      .setParameter('d', 5)
      .where('id = :id', { id: user.id })
      .execute();
    expect(result.affected).toBe(1);
    expect(await rawScore(user.id)).toEqual({ v: 45, t: 'integer' });
    expect((await suite.db.users.getById(user.id)).leadScore).toBe(45);
  });

  it('binds the numbers of an update as parameters, not as SQL text', async () => {
    const a = await makeUser(suite.db, { leadScore: 1 });
    const b = await makeUser(suite.db, { leadScore: 2 });
    const update = (id: number, d: number): Promise<unknown> =>
      suite.db.manager
        .createQueryBuilder()
        .update(User)
        .set({ leadScore: () => '"lead_score" + :d' })
        .where('id = :id', { id, d })
        .execute();
    const queries = await captureQueries(suite.db, async () => {
      await update(a.id, 3);
      await update(b.id, 7);
    });
    const updates = queries.filter((q) => /^UPDATE "users"/.test(q.sql));
    expect(updates).toHaveLength(2);
    expect(updates[0]?.sql).toBe(updates[1]?.sql);
    expect(updates.map((q) => q.params)).toEqual([
      [3n, BigInt(a.id)],
      [7n, BigInt(b.id)],
    ]);
    expect([await rawScore(a.id), await rawScore(b.id)]).toEqual([
      { v: 4, t: 'integer' },
      { v: 9, t: 'integer' },
    ]);
  });
});

describe('sqliteParameters', () => {
  it('binds whole numbers as BigInt (INTEGER), other numbers as they are, and booleans as 1/0', () => {
    expect(sqliteParameters([5, 1.5, true, false, 'x', null, Number.MAX_SAFE_INTEGER + 2])).toEqual([5n, 1.5, 1, 0, 'x', null, Number.MAX_SAFE_INTEGER + 2]);
  });
});
