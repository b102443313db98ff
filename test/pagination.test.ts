// Cursors (src/pagination.ts): what a list issues decodes back to the same
// key, and anything else (tampered, truncated, oversized, from another list,
// of the wrong sort type) is an InvalidCursorError before any SQL runs.
import { describe, expect, it } from 'vitest';
import { EntityValidationError, InvalidCursorError } from '../src/errors';
import {
  DEFAULT_PAGE_SIZE,
  MAX_CURSOR_LENGTH,
  MAX_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  pageLimit,
  pageRequest,
  toPage,
  type CursorKey,
  type CursorList,
} from '../src/pagination';

const BY_ID: CursorList = { name: 'users.search', sort: 'id' };
const BY_TIME: CursorList = { name: 'messages.listForUser', sort: 'timestamp' };
const BY_OPTIONAL_TIME: CursorList = { name: 'conversations.inbox', sort: 'nullableTimestamp' };

const SQLITE_TS = '2025-03-01 10:00:00.123';
const PG_TS = '2025-03-01 10:00:00.123456+00';

/** A cursor with arbitrary content, as a tamperer would build it. */
const forged = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function refusal(fn: () => unknown): InvalidCursorError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidCursorError);
    return error as InvalidCursorError;
  }
  throw new Error('expected an InvalidCursorError');
}

describe('decodeCursor', () => {
  it('gives back the key of a cursor its list issued, for every sort and engine', () => {
    const cases: Array<[CursorList, 'sqlite' | 'postgres', CursorKey]> = [
      [BY_ID, 'sqlite', [null, 42]],
      [BY_ID, 'postgres', [null, 2_147_483_647]],
      [BY_TIME, 'sqlite', [SQLITE_TS, 7]],
      [BY_TIME, 'postgres', [PG_TS, 7]],
      [BY_TIME, 'postgres', ['2025-03-01 10:00:00+05:30', 1]],
      [BY_OPTIONAL_TIME, 'sqlite', [null, 3]],
      [BY_OPTIONAL_TIME, 'postgres', ['2024-02-29 23:59:59.999999-03:30', 3]],
    ];
    for (const [list, engine, key] of cases) expect(decodeCursor(list, engine, encodeCursor(list, key))).toEqual(key);
  });

  it('reads undefined, null and the empty string as the first page', () => {
    for (const cursor of [undefined, null, '']) expect(decodeCursor(BY_ID, 'sqlite', cursor)).toBeNull();
  });

  it('refuses a cursor of another list and names the list it was given to', () => {
    const error = refusal(() => decodeCursor(BY_TIME, 'sqlite', encodeCursor({ name: 'leadActivities.recent', sort: 'timestamp' }, [SQLITE_TS, 1])));
    expect(error.code).toBe('INVALID_CURSOR');
    expect(error.list).toBe('messages.listForUser');
    expect(error.message).toContain('another list');
  });

  it('refuses a cursor longer than 1 KB by its length, before decoding it', () => {
    const huge = encodeCursor(BY_TIME, [SQLITE_TS, 1]) + 'A'.repeat(20_000);
    const error = refusal(() => decodeCursor(BY_TIME, 'sqlite', huge));
    expect(error.message).toContain(`longer than ${MAX_CURSOR_LENGTH}`);
    expect(error.message.length).toBeLessThan(200);
  });

  it('refuses what is not a string', () => {
    for (const cursor of [1, true, {}, [], 10n, Symbol('s'), () => 1]) refusal(() => decodeCursor(BY_ID, 'sqlite', cursor));
  });

  it('refuses text that is not canonical base64url of UTF-8', () => {
    const real = encodeCursor(BY_ID, [null, 5]);
    for (const cursor of [`${real}=`, `+${real.slice(1)}`, `!${real}`, ' ', `${real}A`, Buffer.from([0xff, 0xfe]).toString('base64url'), 'bm9wZQ']) {
      refusal(() => decodeCursor(BY_ID, 'sqlite', cursor));
    }
  });

  it('refuses JSON that is not [list, value, id]', () => {
    for (const value of [null, 'users.search', { list: 'users.search' }, ['users.search', null], ['users.search', null, 1, 2], [null, 1]]) {
      refusal(() => decodeCursor(BY_ID, 'sqlite', forged(value)));
    }
  });

  it('refuses an id that is not a whole number from 1 to 2^31-1', () => {
    for (const id of [0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER, '1', null, 1e300]) {
      refusal(() => decodeCursor(BY_ID, 'sqlite', forged(['users.search', null, id])));
    }
  });

  it('refuses a sort value on a list sorted by id', () => {
    for (const value of [SQLITE_TS, 0, true, {}]) refusal(() => decodeCursor(BY_ID, 'sqlite', forged(['users.search', value, 1])));
  });

  it('refuses a date-sorted cursor whose value is not a timestamp of the engine', () => {
    const bad: Array<[unknown, 'sqlite' | 'postgres']> = [
      [null, 'sqlite'],
      [1_700_000_000_000, 'sqlite'],
      ['yesterday', 'sqlite'],
      ['2025-03-01T10:00:00.000Z', 'sqlite'],
      [PG_TS, 'sqlite'],
      [SQLITE_TS, 'postgres'],
      ['2025-03-01 10:00:00.1234567', 'sqlite'],
      ['x'.repeat(500), 'postgres'],
    ];
    for (const [value, engine] of bad) refusal(() => decodeCursor(BY_TIME, engine, forged(['messages.listForUser', value, 1])));
  });

  it('refuses timestamps of no real instant: 31 February, 29 February of a common year, hour 24, minute 60, year 0', () => {
    for (const value of ['2025-02-31 00:00:00', '2023-02-29 00:00:00', '2025-01-01 24:00:00', '2025-01-01 00:60:00', '2025-01-01 00:00:60', '0000-01-01 00:00:00', '2025-13-01 00:00:00', '2025-00-10 00:00:00']) {
      refusal(() => decodeCursor(BY_TIME, 'sqlite', forged(['messages.listForUser', value, 1])));
    }
  });

  it('accepts 29 February of leap years, 2000 and 2400 included', () => {
    for (const value of ['2024-02-29 00:00:00', '2000-02-29 12:00:00', '2400-02-29 00:00:00.5']) {
      expect(decodeCursor(BY_TIME, 'sqlite', forged(['messages.listForUser', value, 1]))).toEqual([value, 1]);
    }
  });

  it('refuses a PostgreSQL offset beyond 15 hours', () => {
    refusal(() => decodeCursor(BY_TIME, 'postgres', forged(['messages.listForUser', '2025-01-01 00:00:00+16', 1])));
  });

  it('gives either the key with the right types or an InvalidCursorError for every one-character change of a real cursor', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_!=+/ ';
    for (const [list, key] of [
      [BY_TIME, [SQLITE_TS, 12]],
      [BY_OPTIONAL_TIME, [null, 12]],
      [BY_ID, [null, 12]],
    ] as Array<[CursorList, CursorKey]>) {
      const real = encodeCursor(list, key);
      let refused = 0;
      for (let i = 0; i < real.length; i++) {
        for (const c of alphabet) {
          if (c === real[i]) continue;
          const tampered = real.slice(0, i) + c + real.slice(i + 1);
          try {
            const [value, id] = decodeCursor(list, 'sqlite', tampered)!;
            expect(Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1).toBe(true);
            expect(list.sort === 'id' ? value === null : value === null || /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(value)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidCursorError);
            refused++;
          }
        }
      }
      // Nearly every change breaks the encoding or the shape; the few left are other valid keys.
      expect(refused / (real.length * (alphabet.length - 1))).toBeGreaterThan(0.9);
    }
  });
});

describe('pageLimit', () => {
  it('fills in the default page size', () => {
    expect(pageLimit(undefined)).toBe(DEFAULT_PAGE_SIZE);
  });

  it('refuses a limit outside 1..500 with EntityValidationError naming limit and its range', () => {
    for (const limit of [0, MAX_PAGE_SIZE + 1, 1.5, Number.NaN, '10', null, 'x'.repeat(40_000)]) {
      let caught: unknown;
      try {
        pageLimit(limit);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EntityValidationError);
      const issue = (caught as EntityValidationError).issues[0]!;
      expect(issue.property).toBe('limit');
      expect(issue.messages[0]).toContain('from 1 to 500');
      expect(issue.messages[0]!.length).toBeLessThan(200);
    }
  });
});

describe('pageRequest', () => {
  it('reads undefined as the first page of the default size', () => {
    expect(pageRequest(BY_ID, 'sqlite', undefined)).toEqual({ limit: DEFAULT_PAGE_SIZE, key: null });
  });

  it('refuses a request that is not an object with EntityValidationError', () => {
    for (const request of [null, 5, 'page', []]) expect(() => pageRequest(BY_ID, 'sqlite', request)).toThrow(EntityValidationError);
  });

  it('checks the cursor against the list', () => {
    expect(() => pageRequest(BY_ID, 'sqlite', { cursor: encodeCursor(BY_TIME, [SQLITE_TS, 1]) })).toThrow(InvalidCursorError);
  });
});

describe('toPage', () => {
  it('cuts a limit + 1 result to the limit with the cursor of its last item', () => {
    const page = toPage([5, 4, 3], 2, BY_ID, (n): CursorKey => [null, n]);
    expect(page.items).toEqual([5, 4]);
    expect(decodeCursor(BY_ID, 'sqlite', page.nextCursor)).toEqual([null, 4]);
  });

  it('gives no cursor on the last page', () => {
    expect(toPage([5, 4], 2, BY_ID, (n): CursorKey => [null, n]).nextCursor).toBeNull();
  });
});
