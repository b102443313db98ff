// Small helpers shared by the entity tests: raw SQL with portable placeholders,
// validation issues, rejections.
import { expect } from 'vitest';
import type { Database } from '../../src/database';
import { EntityValidationError } from '../../src/errors';
import { validateEntity } from '../../src/validation';
import { rejection } from '../support/errors';

/** Runs raw SQL with `?` placeholders on either engine (PostgreSQL gets `$1`, `$2`, ...). */
export function sql<T = Record<string, unknown>>(db: Database, text: string, params: unknown[] = []): Promise<T[]> {
  let n = 0;
  const query = db.engine === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
  return db.manager.query(query, params) as Promise<T[]>;
}

/** What `promise` rejects with (fails the test when it resolves). */

/** Asserts that a raw write was refused by a constraint of the database. */
export async function expectRefused(promise: Promise<unknown>, constraint: RegExp): Promise<void> {
  const error = (await rejection(promise)) as Error;
  expect(error.message).toMatch(constraint);
}

/** The broken rules per property that validateEntity reports for `entity`. */
export async function validationIssues(entity: object): Promise<Record<string, string[]>> {
  const error = await rejection(validateEntity(entity));
  expect(error).toBeInstanceOf(EntityValidationError);
  const issues: Record<string, string[]> = {};
  for (const issue of (error as EntityValidationError).issues) issues[issue.property] = issue.rules;
  return issues;
}

/** The declared type of each column of `table` (PostgreSQL's information_schema). */
export async function pgColumnTypes(db: Database, table: string): Promise<Record<string, string>> {
  const rows = await sql<{ column_name: string; data_type: string }>(
    db,
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?',
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

/** SQLite's text form of a UTC instant, as the library stores it. */
export function sqliteUtcText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Asserts how a timestamp column holds `date`: UTC text on SQLite, timestamptz on PostgreSQL. */
export async function expectStoredAsUtc(db: Database, table: string, column: string, id: number, date: Date): Promise<void> {
  if (db.engine === 'sqlite') {
    const [row] = await sql<{ v: unknown; t: string }>(db, `SELECT "${column}" AS v, typeof("${column}") AS t FROM "${table}" WHERE "id" = ?`, [id]);
    expect(row?.t).toBe('text');
    expect(row?.v).toBe(sqliteUtcText(date));
  } else {
    expect((await pgColumnTypes(db, table))[column]).toBe('timestamp with time zone');
    const [row] = await sql<{ v: string }>(
      db,
      `SELECT to_char("${column}" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS v FROM "${table}" WHERE "id" = ?`,
      [id],
    );
    expect(row?.v).toBe(sqliteUtcText(date));
  }
}

/** Saves the entity `make` builds, then asserts that the database refuses a second one like it (a unique constraint). */
export async function expectSecondRefused(db: Database, make: () => object): Promise<void> {
  await db.manager.save(make());
  await expectRefused(db.manager.save(make()), /unique|duplicate/i);
}
