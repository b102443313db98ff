// SQLite: what TypeORM's runner sends, adjusted (src/typeorm/sqlite-queries.ts).
import { describe, expect, it } from 'vitest';
import { SQLITE_NOW } from '../../src/dialect';
import { rewriteSqliteQuery } from '../../src/typeorm/index';

describe('rewriteSqliteQuery', () => {
  it('begins transactions IMMEDIATE', () => {
    expect(rewriteSqliteQuery('BEGIN TRANSACTION')).toBe('BEGIN IMMEDIATE');
  });

  it('sets update-date columns with milliseconds instead of whole-second CURRENT_TIMESTAMP', () => {
    expect(rewriteSqliteQuery('UPDATE "users" SET "first_name" = ?, "updated_at" = CURRENT_TIMESTAMP WHERE "id" IN (?)')).toBe(
      `UPDATE "users" SET "first_name" = ?, "updated_at" = ${SQLITE_NOW} WHERE "id" IN (?)`,
    );
  });

  it('leaves other statements alone', () => {
    for (const sql of ['SELECT CURRENT_TIMESTAMP', 'INSERT INTO "t" ("a") VALUES (?)', 'COMMIT', 'SAVEPOINT typeorm_1']) {
      expect(rewriteSqliteQuery(sql)).toBe(sql);
    }
  });
});
