import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { User } from '../../src/entities/user.entity';
import { BackupError } from '../../src/errors';
import {
  EXPORT_FORMAT,
  exportDatabase,
  type ExportHeader,
  importDatabase,
  ImportLineError,
} from '../../src/operations/index';
import { makeUser } from '../../src/testing';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { type EngineName, engines } from '../support/engines';
import { comparableExport, counts, exportLines, seedManyMessages, seedVaried, snapshot, TABLES, useTempDir } from './support';

const EMPTY = Object.fromEntries(TABLES.map((t) => [t, 0]));

/** Each engine paired with the other (or with itself when only SQLite is available). */
function pairs(): Array<[EngineName, EngineName]> {
  const all = engines();
  return all.length === 1 ? [['sqlite', 'sqlite']] : [['sqlite', 'postgres'], ['postgres', 'sqlite']];
}

async function expectRefused<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E, message: RegExp): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
  return error as E;
}

describe.each(pairs())('export from %s, import into %s', (from, to) => {
  const tmp = useTempDir();
  const source = useTestDatabase(from);
  const targets = useFreshTestDatabases(to);
  const firstExport = join(tmp.dir, 'first.ndjson');

  beforeAll(async () => {
    await seedVaried(source.db);
    await exportDatabase(source.db, firstExport);
  });

  it('imports every row and value, and a second export equals the first but for exportedAt', async () => {
    const target = await targets.open();
    const result = await importDatabase(target, firstExport);
    expect(result.rows).toBe(Object.values(await counts(source.db)).reduce((a, b) => a + b, 0));
    expect(await snapshot(target)).toEqual(await snapshot(source.db));
    const secondExport = join(tmp.dir, `second-${to}.ndjson`);
    await exportDatabase(target, secondExport);
    expect(comparableExport(secondExport)).toEqual(comparableExport(firstExport));
  });

  it('moves the id sequences past the imported rows, so new rows get fresh ids', async () => {
    const target = await targets.open();
    await importDatabase(target, firstExport);
    const maxId = Math.max(...(await target.manager.find(User)).map((u) => u.id));
    const created = await makeUser(target, { psid: 'after-import' });
    expect(created.id).toBe(maxId + 1);
  });

  it('round-trips a gzip export, detected by its name', async () => {
    const gz = join(tmp.dir, 'export.ndjson.gz');
    const result = await exportDatabase(source.db, gz);
    const bytes = readFileSync(gz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(result.bytes).toBe(bytes.length);
    const target = await targets.open();
    await importDatabase(target, gz);
    expect(await snapshot(target)).toEqual(await snapshot(source.db));
  });
});

describe.each(engines())('export and import on %s', (engine) => {
  const tmp = useTempDir();
  const source = useTestDatabase(engine);
  const targets = useFreshTestDatabases(engine);
  const file = join(tmp.dir, 'export.ndjson');
  let lines: string[];

  beforeAll(async () => {
    await seedVaried(source.db, 'x', 3);
    await exportDatabase(source.db, file);
    lines = exportLines(file);
  });

  /** Writes a variant of the export with some lines changed. */
  function variant(name: string, change: (lines: string[]) => string[]): string {
    const path = join(tmp.dir, name);
    writeFileSync(path, `${change([...lines]).join('\n')}\n`);
    return path;
  }

  it('writes a header with the format, version, migration and row counts, then one row per line', () => {
    const header = JSON.parse(lines[0] ?? '{}') as ExportHeader;
    expect(header).toEqual({
      format: EXPORT_FORMAT,
      version: 1,
      migration: 'DomainEvents1764300000000',
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      tables: TABLES.map((name) => ({ name, rows: expect.any(Number) })),
    });
    expect(lines.length).toBe(1 + header.tables.reduce((sum, t) => sum + t.rows, 0));
    const firstUser = JSON.parse(lines[1] ?? '{}') as { table: string; row: Record<string, unknown> };
    expect(firstUser.table).toBe('users');
    expect(firstUser.row).toMatchObject({ id: 1, first_name: 'Ahmed "Ace" O\'Neil', is_active: true, lead_score: 0 });
    expect(firstUser.row['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes JSON as JSON, bigints as numbers and sensitive settings as they are', () => {
    const rows = lines.slice(1).map((l) => JSON.parse(l) as { table: string; row: Record<string, unknown> });
    const campaign = rows.find((r) => r.table === 'ad_campaigns')?.row;
    expect(campaign?.['spend_minor']).toBe(123_456_789_012);
    const withAttachment = rows.find((r) => r.table === 'messages' && r.row['attachments'] !== null)?.row;
    expect(withAttachment?.['attachments']).toEqual([{ type: 'image', url: 'https://cdn.example/x.jpg', meta: { w: 640, tags: ['a', 'b'] } }]);
    const secret = rows.find((r) => r.table === 'app_settings' && r.row['is_sensitive'] === true)?.row;
    expect(secret?.['value']).toBe('sk-secret-123');
  });

  it('stops at a malformed line with its line number and leaves the target empty', async () => {
    const target = await targets.open();
    const broken = variant('broken.ndjson', (l) => {
      l[5] = '{"table": "users", "row": {"id": 99,';
      return l;
    });
    const error = await expectRefused(importDatabase(target, broken), ImportLineError, /^Line 6: is not valid JSON/);
    expect(error.line).toBe(6);
    expect(error).toBeInstanceOf(BackupError);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('names the line of a value of the wrong type', async () => {
    const target = await targets.open();
    const wrong = variant('wrong-type.ndjson', (l) => {
      const entry = JSON.parse(l[2] ?? '{}') as { row: Record<string, unknown> };
      entry.row['lead_score'] = 'high';
      l[2] = JSON.stringify(entry);
      return l;
    });
    const error = await expectRefused(importDatabase(target, wrong), ImportLineError, /users\.lead_score must be a whole number/);
    expect(error.line).toBe(3);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('names the line of a row the database refuses, and rolls back the rows before it', async () => {
    const target = await targets.open();
    const duplicate = variant('duplicate.ndjson', (l) => {
      const first = JSON.parse(l[1] ?? '{}') as { row: Record<string, unknown> };
      const second = JSON.parse(l[2] ?? '{}') as { row: Record<string, unknown> };
      second.row['email'] = 'dup@example.com';
      second.row['psid'] = first.row['psid'];
      second.row['phone_number'] = first.row['phone_number'];
      second.row['id'] = first.row['id'];
      l[2] = JSON.stringify({ table: 'users', row: second.row });
      return l;
    });
    const error = await expectRefused(importDatabase(target, duplicate), ImportLineError, /^Line 3: the database refused this users row/);
    expect(error.line).toBe(3);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('refuses a file that ends before the rows its header announces', async () => {
    const target = await targets.open();
    const truncated = variant('truncated.ndjson', (l) => l.slice(0, -2));
    await expectRefused(importDatabase(target, truncated), BackupError, /lead_activities row\(s\) but its header announces \d+: it is truncated/);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('refuses an unknown format or version before touching the target', async () => {
    const target = await targets.open();
    const header = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    const v2 = variant('v2.ndjson', (l) => [JSON.stringify({ ...header, version: 2 }), ...l.slice(1)]);
    await expectRefused(importDatabase(target, v2), ImportLineError, /export format version 2 is not supported/);
    const other = variant('other.ndjson', (l) => [JSON.stringify({ ...header, format: 'something-else' }), ...l.slice(1)]);
    await expectRefused(importDatabase(target, other), ImportLineError, /^Line 1: is not a migochat-db-export header/);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('refuses a file from a migration the target has not run', async () => {
    const target = await targets.open();
    const header = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    const future = variant('future.ndjson', (l) => [JSON.stringify({ ...header, migration: 'AddInvoices1999999999999' }), ...l.slice(1)]);
    await expectRefused(importDatabase(target, future), BackupError, /migration AddInvoices1999999999999, which the target database has not run/);
    expect(await counts(target)).toEqual(EMPTY);
  });

  it('refuses a target that already holds rows, and leaves them alone', async () => {
    const target = await targets.open();
    await target.settings.set('existing', 'v');
    await expectRefused(importDatabase(target, file), BackupError, /not empty \(app_settings: 1\)/);
    expect(await counts(target)).toEqual({ ...EMPTY, app_settings: 1 });
  });

  it('refuses to export a database that was never migrated', async () => {
    const bare = await targets.open();
    for (let i = 0; i < bare.dataSource.migrations.length; i++) await bare.dataSource.undoLastMigration();
    await expectRefused(exportDatabase(bare, join(tmp.dir, 'bare.ndjson')), BackupError, /run migrate before exporting/);
  });
});

describe('export of a SQLite file while it is being written', () => {
  const tmp = useTempDir();
  const live = useTestDatabase('sqlite', { sqliteFile: join(tmp.dir, 'live.db') });

  it('reads one consistent snapshot through its own read-only handle and does not block writers', async () => {
    await seedVaried(live.db, 'live', 5);
    const before = await counts(live.db);
    const file = join(tmp.dir, 'live.ndjson');
    const writes: Array<Promise<unknown>> = [];
    await exportDatabase(live.db, file, {
      pageSize: 2,
      onProgress: () => {
        // A write between pages commits at once and stays out of the export's snapshot.
        writes.push(live.db.users.findOrCreateByPsid(`during-${writes.length}`));
      },
    });
    expect(writes.length).toBeGreaterThan(5);
    await Promise.all(writes);
    const header = JSON.parse(exportLines(file)[0] ?? '{}') as ExportHeader;
    expect(Object.fromEntries(header.tables.map((t) => [t.name, t.rows]))).toEqual(before);
    expect(exportLines(file).length).toBe(1 + Object.values(before).reduce((a, b) => a + b, 0));
    expect((await counts(live.db))['users']).toBe((before['users'] ?? 0) + writes.length);
  });
});

describe.each(pairs())('a large export from %s into %s', (from, to) => {
  const tmp = useTempDir();
  const source = useTestDatabase(from);
  const target = useTestDatabase(to);

  it('streams 20 000 messages page by page and imports them all in one go', async () => {
    await seedManyMessages(source.db, 20_000);
    const file = join(tmp.dir, 'large.ndjson.gz');
    const progress: number[] = [];
    const rssBefore = process.memoryUsage().rss;
    const result = await exportDatabase(source.db, file, { pageSize: 1000, onProgress: (done) => progress.push(done) });
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(result.rows).toBe(20_002);
    // Page by page: many small steps, none larger than a page.
    expect(progress.length).toBeGreaterThanOrEqual(21);
    for (let i = 1; i < progress.length; i++) expect((progress[i] ?? 0) - (progress[i - 1] ?? 0)).toBeLessThanOrEqual(1000);
    expect(rssGrowth).toBeLessThan(256 * 1024 * 1024);

    const imported: number[] = [];
    const done = await importDatabase(target.db, file, { onProgress: (n, total) => imported.push(total - n) });
    expect(done.rows).toBe(20_002);
    expect(imported.at(-1)).toBe(0);
    expect(await counts(target.db)).toEqual(await counts(source.db));
  });
});

