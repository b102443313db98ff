// An import validates every row the way the repositories validate what they
// write, checks that counters agree with the rows, and never shows the value
// of a sensitive setting in an error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupError, isMigochatDbError } from '../../src/errors';
import { exportDatabase, ImportConsistencyError, importDatabase, ImportLineError } from '../../src/operations/index';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { counts, exportLines, seedVaried, TABLES, useTempDir } from './support';

const EMPTY = Object.fromEntries(TABLES.map((t) => [t, 0]));
const SECRET = 'sk-secret-123';

interface Entry {
  table: string;
  row: Record<string, unknown>;
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackupError);
  expect(isMigochatDbError(error)).toBe(true);
  return error as Error;
}

/** Everything an error could show: its message, its fields, its causes. */
function everything(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 20, showHidden: true })}\n${JSON.stringify(error)}`;
}

describe.each(engines())('import validation on %s', (engine) => {
  const tmp = useTempDir();
  const source = useTestDatabase(engine);
  const targets = useFreshTestDatabases(engine);
  let lines: string[];
  let variants = 0;

  beforeAll(async () => {
    await seedVaried(source.db, 'v', 3);
    const file = join(tmp.dir, 'export.ndjson');
    await exportDatabase(source.db, file);
    lines = exportLines(file);
  });

  /** The export with the `nth` row of `table` changed (or the line replaced by text); returns the file and the 1-based line number. */
  function variant(table: string, change: (row: Record<string, unknown>) => void | string, nth = 0): { file: string; line: number } {
    const copy = [...lines];
    let seen = 0;
    const index = copy.findIndex((l, i) => i > 0 && (JSON.parse(l) as Entry).table === table && seen++ === nth);
    expect(index).toBeGreaterThan(0);
    const entry = JSON.parse(copy[index] ?? '{}') as Entry;
    const replaced = change(entry.row);
    copy[index] = typeof replaced === 'string' ? replaced : JSON.stringify(entry);
    const file = join(tmp.dir, `variant-${variants++}.ndjson`);
    writeFileSync(file, `${copy.join('\n')}\n`);
    return { file, line: index + 1 };
  }

  async function refusedLine(file: string, line: number, message: RegExp): Promise<ImportLineError> {
    const target = await targets.open();
    const error = await refusal(importDatabase(target, file));
    expect(error).toBeInstanceOf(ImportLineError);
    expect((error as ImportLineError).line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^Line ${line}: `));
    expect(error.message).toMatch(message);
    expect(await counts(target)).toEqual(EMPTY);
    return error as ImportLineError;
  }

  it.each([
    {
      what: 'a user whose email is not an email',
      table: 'users',
      nth: 0,
      change: { email: 'not-an-email' },
      message: /users row \d+ breaks the rules of User: users\.email: email must be an email/,
    },
    {
      what: 'a psid of 300 characters (over the column length of 64)',
      table: 'users',
      nth: 0,
      change: { psid: 'p'.repeat(300) },
      message: /users\.psid: psid must be shorter than or equal to 64 characters/,
    },
    {
      what: 'an enum column holding something else than one of its values',
      table: 'messages',
      nth: 1,
      change: { direction: 'sideways' },
      message: /messages\.direction: direction must be one of the following values: inbound, outbound/,
    },
    {
      what: 'a setting whose value does not read as its type',
      table: 'app_settings',
      nth: 1,
      change: { value_type: 'number' },
      message: /app_settings row \d+: the value of setting "v\.limits" is not a valid number/,
    },
  ])('refuses $what', async ({ table, nth, change, message }) => {
    const { file, line } = variant(table, (row) => void Object.assign(row, change), nth);
    await refusedLine(file, line, message);
  });

  it('refuses a user with neither psid nor phone number, and a negative counter', async () => {
    const noIdentity = variant('users', (row) => {
      row['psid'] = null;
      row['phone_number'] = null;
    });
    await refusedLine(noIdentity.file, noIdentity.line, /users\.psid: .*psid or phoneNumber is required/);
    const negative = variant('posts', (row) => {
      row['likes_count'] = -1;
    });
    await refusedLine(negative.file, negative.line, /posts\.likes_count: likesCount must not be less than 0/);
  });

  it.each([
    {
      what: 'a conversation whose message_count is not its messages as a typed error naming it',
      table: 'conversations',
      change: { message_count: 999 },
      mismatch: { table: 'conversations', id: 1, column: 'message_count', stored: 999, actual: 2 },
      message: /conversation 1 has message_count 999 but 2 message row\(s\)\. Nothing was imported; correct message_count/,
    },
    {
      what: 'a message filed under a conversation of another user',
      table: 'messages',
      change: { user_id: 2 },
      mismatch: { table: 'messages', id: 1, column: 'user_id', stored: 2, actual: 1 },
      message: /message 1 belongs to user 2 but its conversation to user 1/,
    },
  ])('reports $what', async ({ table, change, mismatch, message }) => {
    const { file } = variant(table, (row) => void Object.assign(row, change));
    const target = await targets.open();
    const error = await refusal(importDatabase(target, file));
    expect(error).toBeInstanceOf(ImportConsistencyError);
    expect(error.name).toBe('ImportConsistencyError');
    expect((error as ImportConsistencyError).mismatches).toEqual([mismatch]);
    expect(error.message).toMatch(message);
    expect(await counts(target)).toEqual(EMPTY);
  });

  describe('never shows the value of a sensitive setting', () => {
    const sensitive = (row: Record<string, unknown>): boolean => row['is_sensitive'] === true;

    function secretVariant(change: (row: Record<string, unknown>) => void | string): { file: string; line: number } {
      const nth = lines
        .slice(1)
        .map((l) => JSON.parse(l) as Entry)
        .filter((e) => e.table === 'app_settings')
        .findIndex((e) => sensitive(e.row));
      return variant('app_settings', change, nth);
    }

    const lineOf = (row: Record<string, unknown>): string => JSON.stringify({ table: 'app_settings', row });

    it.each([
      {
        when: 'the value has the wrong type',
        change: (row: Record<string, unknown>) => void (row['value'] = 987_654_321),
        message: /app_settings\.value must be a string, not a hidden value \(the setting is sensitive\)/,
        hidden: '987654321',
      },
      {
        when: 'the line is broken in the middle of the value',
        change: (row: Record<string, unknown>) => lineOf(row).slice(0, lineOf(row).indexOf(SECRET) + 6),
        message: /is not valid JSON \(it ends in the middle of a value/,
        hidden: SECRET.slice(0, 6),
      },
      {
        when: 'the line is malformed right after the value',
        change: (row: Record<string, unknown>) => lineOf(row).replace(`"${SECRET}"`, `"${SECRET}" oops`),
        message: /is not valid JSON \(malformed/,
        hidden: SECRET,
      },
      {
        when: 'the row breaks a rule',
        change: (row: Record<string, unknown>) => void (row['key'] = 'not a valid key!'),
        message: /app_settings\.key: key may hold only letters, digits and _ \. : -/,
        hidden: SECRET,
      },
      {
        when: 'a sensitive number setting does not read as a number',
        change: (row: Record<string, unknown>) => void (row['value_type'] = 'number'),
        message: /the value of setting "v\.api_token" is not a valid number \(value hidden: the setting is sensitive\)/,
        hidden: SECRET,
      },
    ])('when $when', async ({ change, message, hidden }) => {
      const variantOfSecret = secretVariant(change);
      const error = await refusedLine(variantOfSecret.file, variantOfSecret.line, message);
      expect(everything(error)).not.toContain(hidden);
    });

    it('when the database refuses the row (a duplicate key), in the message or anywhere in the error', async () => {
      const other = 'sk-other-secret-456';
      const { file } = variant('app_settings', (row) => {
        row['key'] = 'v.api_token';
        row['value'] = other;
        row['value_type'] = 'string';
        row['is_sensitive'] = true;
      }, 1);
      const { line } = secretVariant(() => undefined);
      const error = await refusedLine(file, line + 1, /the database refused this app_settings row: Duplicate value for app_settings\(key\)/);
      const shown = everything(error);
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(other);
    });
  });
});
