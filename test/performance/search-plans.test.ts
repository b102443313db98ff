import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { useTestDatabase } from '../support/database';
import { type EngineName, engines } from '../support/engines';
import { captureQueries, queryPlan } from '../support/query-plan';
import { fillSearchable } from '../support/search-data';

/*
 * Plans, not timings: a search is captured as the repository runs it and
 * explained on a table big enough (and ANALYZEd) for the planner to prefer
 * the search index: the FTS5 table messages_fts on SQLite; on PostgreSQL the
 * primary key of message_search_terms for plain words, the GIN index
 * IDX_messages_search with the filters that pick few messages (userId,
 * since, until) or OR. Neither may scan messages.
 */

const USERS = 500;
const MESSAGES = 30_000;

/** Messages whose search_text is already normal (lowercase ASCII); one in 97 asks about a black XL. */
async function fill(db: Database, engine: EngineName): Promise<void> {
  const text = `CASE WHEN s.n % 97 = 0 THEN 'do you have the black one in xl ' || s.n ELSE 'message number ' || s.n END`;
  await fillSearchable(db, engine, { psid: 'search-plan-', users: USERS, messages: MESSAGES, text });
  await db.manager.query('ANALYZE');
}

describe.each(engines())('search query plans on %s', (engine) => {
  const suite = useTestDatabase(engine);
  beforeAll(async () => {
    await fill(suite.db, engine);
  }, 120_000);

  /** The plans of the statements `fn` runs: the windows of matches (through the search index) and the others (rows by id). */
  async function plansOf(fn: () => Promise<unknown>): Promise<{ windows: string[]; others: string[] }> {
    const statements = (await captureQueries(suite.db, fn)).filter((s) => /^\s*SELECT\b/i.test(s.sql));
    const isWindow = (sql: string): boolean => /MATCH \?|MATCH \$|@@/.test(sql);
    const windows = await Promise.all(statements.filter((s) => isWindow(s.sql)).map((s) => plan(s.sql, s.params)));
    const others = await Promise.all(statements.filter((s) => !isWindow(s.sql)).map((s) => plan(s.sql, s.params)));
    expect(windows.length).toBeGreaterThan(0);
    return { windows, others };
  }

  async function plan(sql: string, params: unknown[]): Promise<string> {
    if (engine === 'sqlite') return queryPlan(suite.db, engine, sql, params);
    const rows = (await suite.db.manager.query(`EXPLAIN ${sql}`, params)) as Array<{ 'QUERY PLAN': string }>;
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** The window reads matches through the search index (on PostgreSQL `pgIndex`); on SQLite in the index's rowid order, without sorting them. */
  function expectSearchIndex({ windows, others }: { windows: string[]; others: string[] }, pgIndex = /"PK_message_search_terms"/): void {
    for (const text of windows) {
      if (engine === 'sqlite') {
        expect(text).toMatch(/SCAN messages_fts VIRTUAL TABLE INDEX/);
        expect(text).not.toMatch(/^SCAN m\b/m);
        expect(text).not.toMatch(/TEMP B-TREE/);
      } else {
        expect(text).toMatch(pgIndex);
        expect(text).not.toMatch(/Seq Scan on messages/);
      }
    }
    // The page's rows by their ids.
    for (const text of others) {
      if (engine === 'sqlite') expect(text).toMatch(/SEARCH (m|messages|conversations) USING INTEGER PRIMARY KEY/);
      else expect(text).not.toMatch(/Seq Scan on messages/);
    }
  }

  it('finds messages of a two-word query through the search index', async () => {
    expectSearchIndex(await plansOf(async () => expect((await suite.db.messages.search('black xl', { limit: 20 })).items).toHaveLength(20)));
  });

  it('reads a later page of a search through the search index', async () => {
    const first = await suite.db.messages.search('black xl', { limit: 20 });
    expectSearchIndex(await plansOf(() => suite.db.messages.search('black xl', { limit: 20, cursor: first.nextCursor })));
  });

  it('finds conversations through the search index', async () => {
    expectSearchIndex(await plansOf(async () => expect((await suite.db.conversations.search('black xl', { limit: 20 })).items).toHaveLength(20)));
  });

  it('uses the search index with filters too', async () => {
    expectSearchIndex(
      await plansOf(() => suite.db.messages.search('black -red', { direction: 'inbound' as never, since: new Date(0), limit: 20 })),
      /"IDX_messages_search"/,
    );
  });

  it('walks the terms of a phrase and an exclusion without a filter', async () => {
    expectSearchIndex(await plansOf(() => suite.db.messages.search('"black one" -red', { direction: 'inbound' as never, limit: 20 })));
  });

  it('uses the GIN index for OR', async () => {
    expectSearchIndex(await plansOf(() => suite.db.messages.search('black or navy', { limit: 20 })), /"IDX_messages_search"/);
  });

  it('uses the GIN index for one user', async () => {
    const [first] = (await suite.db.messages.search('black xl', { limit: 1 })).items;
    expectSearchIndex(await plansOf(() => suite.db.messages.search('black xl', { userId: first!.userId, limit: 20 })), /"IDX_messages_search"|"IDX_messages_user/);
  });
});
