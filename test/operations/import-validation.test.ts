// An import validates every row the way the repositories validate what they
// write, checks that counters agree with the rows, and never shows the value
// of a sensitive setting in an error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { BackupError, isMigochatDbError } from '../../src/errors';
import { exportDatabase, ImportConsistencyError, importDatabase, ImportLineError } from '../../src/operations/index';
import { engines, openTestDb } from '../support/engines';
import { counts, exportLines, seedVaried, TABLES, tempDir } from './support';

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
  const tmp = tempDir();
  let source: Database;
  let target: Database | undefined;
  let lines: string[];
  let variants = 0;

  beforeAll(async () => {
    source = await openTestDb(engine);
    await seedVaried(source, 'v', 3);
    const file = join(tmp.dir, 'export.ndjson');
    await exportDatabase(source, file);
    lines = exportLines(file);
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });
  afterAll(async () => {
    await source?.close();
    tmp.remove();
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
    target = await openTestDb(engine);
    const error = await refusal(importDatabase(target, file));
    expect(error).toBeInstanceOf(ImportLineError);
    expect((error as ImportLineError).line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^Line ${line}: `));
    expect(error.message).toMatch(message);
    expect(await counts(target)).toEqual(EMPTY);
    return error as ImportLineError;
  }

  it('refuses a user whose email is not an email', async () => {
    const { file, line } = variant('users', (row) => {
      row['email'] = 'not-an-email';
    });
    await refusedLine(file, line, /users row \d+ breaks the rules of User: users\.email: email must be an email/);
  });

  it('refuses a psid of 300 characters (over the column length of 64)', async () => {
    const { file, line } = variant('users', (row) => {
      row['psid'] = 'p'.repeat(300);
    });
    await refusedLine(file, line, /users\.psid: psid must be shorter than or equal to 64 characters/);
  });

  it('refuses an enum column holding something else than one of its values', async () => {
    const { file, line } = variant('messages', (row) => {
      row['direction'] = 'sideways';
    }, 1);
    await refusedLine(file, line, /messages\.direction: direction must be one of the following values: inbound, outbound/);
  });

  it('refuses a user with neither psid nor phone number, and a negative counter', async () => {
    const noIdentity = variant('users', (row) => {
      row['psid'] = null;
      row['phone_number'] = null;
    });
    await refusedLine(noIdentity.file, noIdentity.line, /users\.psid: .*psid or phoneNumber is required/);
    await target?.close();
    const negative = variant('posts', (row) => {
      row['likes_count'] = -1;
    });
    await refusedLine(negative.file, negative.line, /posts\.likes_count: likesCount must not be less than 0/);
  });

  it('refuses a setting whose value does not read as its type', async () => {
    const { file, line } = variant('app_settings', (row) => {
      row['value_type'] = 'number';
    }, 1);
    await refusedLine(file, line, /app_settings row \d+: the value of setting "v\.limits" is not a valid number/);
  });

  it("reports a conversation whose message_count is not its messages as a typed error naming it", async () => {
    const { file } = variant('conversations', (row) => {
      row['message_count'] = 999;
    });
    target = await openTestDb(engine);
    const error = await refusal(importDatabase(target, file));
    expect(error).toBeInstanceOf(ImportConsistencyError);
    expect(error.name).toBe('ImportConsistencyError');
    expect((error as ImportConsistencyError).mismatches).toEqual([{ table: 'conversations', id: 1, column: 'message_count', stored: 999, actual: 2 }]);
    expect(error.message).toMatch(/conversation 1 has message_count 999 but 2 message row\(s\)\. Nothing was imported; correct message_count/);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('reports a message filed under a conversation of another user', async () => {
    const { file } = variant('messages', (row) => {
      row['user_id'] = 2;
    });
    target = await openTestDb(engine);
    const error = await refusal(importDatabase(target, file));
    expect(error).toBeInstanceOf(ImportConsistencyError);
    expect((error as ImportConsistencyError).mismatches).toEqual([{ table: 'messages', id: 1, column: 'user_id', stored: 2, actual: 1 }]);
    expect(error.message).toMatch(/message 1 belongs to user 2 but its conversation to user 1/);
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

    it('when the value has the wrong type', async () => {
      const { file, line } = secretVariant((row) => {
        row['value'] = 987_654_321;
      });
      const error = await refusedLine(file, line, /app_settings\.value must be a string, not a hidden value \(the setting is sensitive\)/);
      expect(everything(error)).not.toContain('987654321');
    });

    it('when the line is broken in the middle of the value', async () => {
      const { file, line } = secretVariant((row) => {
        const text = JSON.stringify({ table: 'app_settings', row });
        return text.slice(0, text.indexOf(SECRET) + 6);
      });
      const error = await refusedLine(file, line, /is not valid JSON \(it ends in the middle of a value/);
      expect(everything(error)).not.toContain(SECRET.slice(0, 6));
    });

    it('when the line is malformed right after the value', async () => {
      const { file, line } = secretVariant((row) => {
        const text = JSON.stringify({ table: 'app_settings', row });
        return text.replace(`"${SECRET}"`, `"${SECRET}" oops`);
      });
      const error = await refusedLine(file, line, /is not valid JSON \(malformed/);
      expect(everything(error)).not.toContain(SECRET);
    });

    it('when the row breaks a rule', async () => {
      const { file, line } = secretVariant((row) => {
        row['key'] = 'not a valid key!';
      });
      const error = await refusedLine(file, line, /app_settings\.key: key may hold only letters, digits and _ \. : -/);
      expect(everything(error)).not.toContain(SECRET);
    });

    it('when a sensitive number setting does not read as a number', async () => {
      const { file, line } = secretVariant((row) => {
        row['value_type'] = 'number';
      });
      const error = await refusedLine(file, line, /the value of setting "v\.api_token" is not a valid number \(value hidden: the setting is sensitive\)/);
      expect(everything(error)).not.toContain(SECRET);
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
