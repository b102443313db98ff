import type { MigrationInterface, QueryRunner } from 'typeorm';
import { engineOf, type Engine } from '../column-types';
import { normalizeSearchText } from '../search/normalize';

/** Messages read and written per backfill statement (2 parameters each, far under both engines' limits). */
const BACKFILL_CHUNK = 1000;
/** A progress line every this many messages (and at the end). */
const PROGRESS_EVERY = 50_000;

/**
 * The SQLite triggers that keep `messages_fts` (an FTS5 external-content
 * table over `messages.search_text`) in step with `messages`. Only a change
 * of `search_text` touches the index, so status updates cost nothing extra.
 * Every row has an entry (a NULL text is an empty document), as FTS5's
 * `rebuild` makes them. Frozen as they were when this migration was written.
 */
const SQLITE_TRIGGERS = [
  `CREATE TRIGGER "messages_fts_insert" AFTER INSERT ON "messages" BEGIN ` +
    `INSERT INTO "messages_fts" ("rowid", "search_text") VALUES (new."id", new."search_text"); END`,
  `CREATE TRIGGER "messages_fts_delete" AFTER DELETE ON "messages" BEGIN ` +
    `INSERT INTO "messages_fts" ("messages_fts", "rowid", "search_text") VALUES ('delete', old."id", old."search_text"); END`,
  `CREATE TRIGGER "messages_fts_update" AFTER UPDATE OF "search_text" ON "messages" BEGIN ` +
    `INSERT INTO "messages_fts" ("messages_fts", "rowid", "search_text") VALUES ('delete', old."id", old."search_text"); ` +
    `INSERT INTO "messages_fts" ("rowid", "search_text") VALUES (new."id", new."search_text"); END`,
];
const SQLITE_TRIGGER_NAMES = ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update'];

/** The PostgreSQL expression the GIN index is built on; search queries must use exactly this expression. */
const PG_DOCUMENT = `to_tsvector('simple'::regconfig, COALESCE("search_text", ''::text))`;

/** The lexemes of a row's document (alias `r`), one row each: what `message_search_terms` holds of it. */
const pgTerms = (r: string): string => `unnest(tsvector_to_array(to_tsvector('simple'::regconfig, COALESCE(${r}."search_text", ''::text))))`;

/**
 * The PostgreSQL trigger functions and triggers that keep
 * `message_search_terms` in step with `messages`: statement-level with
 * transition tables for inserts and deletes (one statement for a whole
 * batch), per row for a changed `search_text` (PostgreSQL allows no
 * transition table on an `UPDATE OF` trigger). Frozen as they were when this
 * migration was written.
 */
const PG_TRIGGERS = [
  `CREATE OR REPLACE FUNCTION "message_search_terms_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
    `INSERT INTO "message_search_terms" ("term", "message_id") SELECT t, n."id" FROM "inserted" n, ${pgTerms('n')} t; ` +
    `RETURN NULL; END $$`,
  `CREATE TRIGGER "messages_search_terms_insert" AFTER INSERT ON "messages" REFERENCING NEW TABLE AS "inserted" ` +
    `FOR EACH STATEMENT EXECUTE FUNCTION "message_search_terms_inserted"()`,
  `CREATE OR REPLACE FUNCTION "message_search_terms_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
    `DELETE FROM "message_search_terms" s USING "deleted" o, ${pgTerms('o')} t WHERE s."term" = t AND s."message_id" = o."id"; ` +
    `RETURN NULL; END $$`,
  `CREATE TRIGGER "messages_search_terms_delete" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS "deleted" ` +
    `FOR EACH STATEMENT EXECUTE FUNCTION "message_search_terms_deleted"()`,
  `CREATE OR REPLACE FUNCTION "message_search_terms_updated"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
    `DELETE FROM "message_search_terms" s USING ${pgTerms('OLD')} t WHERE s."term" = t AND s."message_id" = OLD."id"; ` +
    `INSERT INTO "message_search_terms" ("term", "message_id") SELECT t, NEW."id" FROM ${pgTerms('NEW')} t; ` +
    `RETURN NULL; END $$`,
  `CREATE TRIGGER "messages_search_terms_update" AFTER UPDATE OF "search_text" ON "messages" FOR EACH ROW ` +
    `WHEN (OLD."search_text" IS DISTINCT FROM NEW."search_text") EXECUTE FUNCTION "message_search_terms_updated"()`,
  `CREATE OR REPLACE FUNCTION "message_search_terms_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
    `TRUNCATE "message_search_terms"; RETURN NULL; END $$`,
  `CREATE TRIGGER "messages_search_terms_truncate" AFTER TRUNCATE ON "messages" FOR EACH STATEMENT EXECUTE FUNCTION "message_search_terms_truncated"()`,
];
const PG_TRIGGER_NAMES = ['messages_search_terms_insert', 'messages_search_terms_delete', 'messages_search_terms_update', 'messages_search_terms_truncate'];
const PG_FUNCTION_NAMES = ['message_search_terms_inserted', 'message_search_terms_deleted', 'message_search_terms_updated', 'message_search_terms_truncated'];

/**
 * Recreates the SQLite search triggers. A later migration that changes
 * `messages` through TypeORM's Table API on SQLite (which copies the table
 * into a new one and drops the old, and with it its triggers) must call this
 * afterwards; the FTS index itself survives such a copy (ids are kept).
 *
 * @internal
 */
export async function createSqliteSearchTriggers(queryRunner: QueryRunner): Promise<void> {
  for (const name of SQLITE_TRIGGER_NAMES) await queryRunner.query(`DROP TRIGGER IF EXISTS "${name}"`);
  for (const sql of SQLITE_TRIGGERS) await queryRunner.query(sql);
}

/**
 * Full-text search of messages (issue 17): `messages.search_text`, the text
 * as `normalizeSearchText` makes it, backfilled in chunks for the messages
 * already there (logged as `search index: n / total messages` at the `info`
 * level), and the index over it: on SQLite the FTS5 external-content table
 * `messages_fts` kept current by triggers (with FTS5's `secure-delete`, so
 * an erased text leaves no token behind); on PostgreSQL the GIN index
 * `IDX_messages_search` on `to_tsvector('simple', coalesce(search_text, ''))`,
 * with `fastupdate` off, and beside it `message_search_terms`, a row per
 * (lexeme, message) kept by triggers, whose primary key a search of plain
 * words reads newest first and stops (a GIN index can only hand over every
 * match at once; at 1M messages that cost 20-100 ms for two common words).
 */
export class MessageSearch1764200000000 implements MigrationInterface {
  name = 'MessageSearch1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const engine = engineOf(queryRunner.connection);
    // A plain ALTER on both engines: TypeORM's addColumn copies the whole table on SQLite.
    await queryRunner.query(`ALTER TABLE "messages" ADD COLUMN "search_text" text`);
    if (engine === 'postgres') {
      // No parallel scans: a parallel plan splits one term's walk among workers that each merge
      // it with the whole of the other term's, 2-3x slower than one process (measured at 1M).
      // A vacuum every 100,000 new terms (about 16,000 messages) rather than every fifth of the
      // table: searches walk the newest terms by index-only scans, which read the heap for pages
      // vacuum has not yet marked all-visible (1,200 heap fetches a search after 20,000 messages,
      // measured); on an insert-only table such a vacuum visits only the new pages (75 ms for
      // 100,000 messages).
      await queryRunner.query(
        `CREATE TABLE "message_search_terms" ("term" text NOT NULL, "message_id" integer NOT NULL) ` +
          `WITH (parallel_workers = 0, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 100000)`,
      );
    }
    await backfill(queryRunner, engine);
    if (engine === 'sqlite') {
      await queryRunner.query(
        `CREATE VIRTUAL TABLE "messages_fts" USING fts5("search_text", content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`,
      );
      await queryRunner.query(`INSERT INTO "messages_fts" ("messages_fts", "rank") VALUES ('secure-delete', 1)`);
      // One pass over the content table builds the index faster than a trigger per row would.
      await queryRunner.query(`INSERT INTO "messages_fts" ("messages_fts") VALUES ('rebuild')`);
      await createSqliteSearchTriggers(queryRunner);
    } else {
      // fastupdate off: with it on, new entries wait in a pending list (up to 4 MB) that every
      // search reads through, which cost 3 ms of a 4 ms search after 20k inserts (measured);
      // each insert updates the index itself instead.
      await queryRunner.query(`CREATE INDEX "IDX_messages_search" ON "messages" USING GIN (${PG_DOCUMENT}) WITH (fastupdate = off)`);
      // Built after the backfill filled the table: one sort instead of an index insert per term.
      await queryRunner.query(`ALTER TABLE "message_search_terms" ADD CONSTRAINT "PK_message_search_terms" PRIMARY KEY ("term", "message_id")`);
      for (const sql of PG_TRIGGERS) await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (engineOf(queryRunner.connection) === 'sqlite') {
      for (const name of SQLITE_TRIGGER_NAMES) await queryRunner.query(`DROP TRIGGER IF EXISTS "${name}"`);
      await queryRunner.query(`DROP TABLE IF EXISTS "messages_fts"`);
    } else {
      await queryRunner.query(`DROP INDEX IF EXISTS "IDX_messages_search"`);
      for (const name of PG_TRIGGER_NAMES) await queryRunner.query(`DROP TRIGGER IF EXISTS "${name}" ON "messages"`);
      for (const name of PG_FUNCTION_NAMES) await queryRunner.query(`DROP FUNCTION IF EXISTS "${name}"()`);
      await queryRunner.query(`DROP TABLE IF EXISTS "message_search_terms"`);
    }
    await queryRunner.query(`ALTER TABLE "messages" DROP COLUMN "search_text"`);
  }
}

/** Fills `search_text` from `text`, normalised in JavaScript, in chunks by id (on PostgreSQL, with the chunk's terms). */
async function backfill(queryRunner: QueryRunner, engine: Engine): Promise<void> {
  const logger = queryRunner.connection.logger;
  const mark = (i: number): string => (engine === 'postgres' ? `$${i}` : '?');
  const counted = (await queryRunner.query(`SELECT COUNT(*) AS "n" FROM "messages" WHERE "text" IS NOT NULL`)) as Array<{ n: unknown }>;
  const total = Number(counted[0]?.n ?? 0);
  if (total === 0) return;
  logger.log('info', `search index: 0 / ${total} messages`);
  let done = 0;
  let lastReported = 0;
  let after = 0;
  for (;;) {
    const rows = (await queryRunner.query(
      `SELECT "id", "text" FROM "messages" WHERE "id" > ${mark(1)} AND "text" IS NOT NULL ORDER BY "id" LIMIT ${BACKFILL_CHUNK}`,
      [after],
    )) as Array<{ id: unknown; text: string }>;
    if (rows.length === 0) break;
    const values = rows.map((_, i) => `(CAST(${mark(2 * i + 1)} AS integer), CAST(${mark(2 * i + 2)} AS text))`).join(', ');
    const update = `UPDATE "messages" SET "search_text" = v.column2 FROM (VALUES ${values}) AS v WHERE "messages"."id" = v.column1`;
    // On PostgreSQL the chunk's terms in the same statement, from the same values (the table has no triggers yet).
    const sql = engine === 'sqlite'
      ? update
      : `WITH v (id, search_text) AS (VALUES ${values}), updated AS (UPDATE "messages" SET "search_text" = v.search_text FROM v WHERE "messages"."id" = v.id) ` +
        `INSERT INTO "message_search_terms" ("term", "message_id") SELECT t, v.id FROM v, ${pgTerms('v')} t`;
    await queryRunner.query(sql, rows.flatMap((row) => [Number(row.id), normalizeSearchText(row.text)]));
    after = Number(rows[rows.length - 1]!.id);
    done += rows.length;
    if (done - lastReported >= PROGRESS_EVERY) {
      logger.log('info', `search index: ${done} / ${total} messages`);
      lastReported = done;
    }
  }
  if (done !== lastReported) logger.log('info', `search index: ${done} / ${total} messages`);
}
