// Hostile or broken import files fail fast at the reader's limits, leaving the
// target empty; a large but legal file still imports.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppSettings } from '../../src/entities/app-settings.entity';
import { isMigochatDbError } from '../../src/errors';
import { exportDatabase, importDatabase, ImportLimitError } from '../../src/operations/index';
import { useFreshTestDatabases, useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { counts, exportLines, seedManyMessages, seedVaried, snapshot, TABLES, useTempDir } from './support';

const EMPTY = Object.fromEntries(TABLES.map((t) => [t, 0]));

/** `count` copies of one gzip member after a first one: small on disk, huge once decompressed. */
function gzipBomb(head: string, repeated: Buffer, count: number): Buffer {
  const member = gzipSync(repeated, { level: 9 });
  return Buffer.concat([gzipSync(head), ...Array.from({ length: count }, () => member)]);
}

describe.each(engines())('import limits on %s', (engine) => {
  const tmp = useTempDir();
  const empty = useTestDatabase(engine);
  const fresh = useFreshTestDatabases(engine);
  let header: string;

  beforeAll(async () => {
    const file = join(tmp.dir, 'empty.ndjson');
    await exportDatabase(empty.db, file);
    header = exportLines(file)[0] ?? '';
  });

  async function limitError(file: string): Promise<{ error: ImportLimitError }> {
    const target = await fresh.open();
    const error = await importDatabase(target, file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportLimitError);
    expect(isMigochatDbError(error)).toBe(true);
    expect(await counts(target)).toEqual(EMPTY);
    return { error: error as ImportLimitError };
  }

  it('fails on a 2 MB gzip of 2 GB of newlines, naming the line', async () => {
    const file = join(tmp.dir, 'newlines.ndjson.gz');
    writeFileSync(file, gzipBomb(`${header}\n`, Buffer.alloc(1024 * 1024, 0x0a), 2048));
    const { error } = await limitError(file);
    expect(error.limit).toBe('blankLines');
    expect(error.line).toBe(1002);
    expect(error.message).toMatch(/^Line 1002: is blank like the 1000 lines before it/);
  });

  it('fails fast on a small gzip holding one 200 MB line, naming the line and the 16 MiB limit', async () => {
    const file = join(tmp.dir, 'long-line.ndjson.gz');
    writeFileSync(file, gzipBomb(`${header}\n{"table":"users","row":{"first_name":"`, Buffer.alloc(1024 * 1024, 0x61), 200));
    const { error } = await limitError(file);
    expect(error.limit).toBe('lineBytes');
    expect(error.max).toBe(16 * 1024 * 1024);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/^Line 2: is longer than 16 MiB/);
  });

  it('imports a large but legal file: 20 000 messages, a 1,000,000-character setting, blank lines and CRLF', async () => {
    const source = await fresh.open();
    await seedVaried(source, 'big', 3);
    await seedManyMessages(source, 20_000);
    await source.settings.set('big.prompt', 'ب'.repeat(1_000_000));
    const plain = join(tmp.dir, 'large.ndjson');
    await exportDatabase(source, plain);
    // A hand-edited copy: Windows line ends, a few blank lines, gzip.
    const edited = join(tmp.dir, 'large-edited.ndjson.gz');
    writeFileSync(edited, gzipSync(`${exportLines(plain).join('\r\n\r\n')}\r\n`));
    const target = await fresh.open();
    const result = await importDatabase(target, edited);
    expect(result.rows).toBe(Object.values(await counts(source)).reduce((a, b) => a + b, 0));
    const settings = await target.manager.find(AppSettings, { order: { id: 'ASC' } });
    expect(settings.at(-1)?.value.length).toBe(1_000_000);
    expect(await counts(target)).toEqual(await counts(source));
    const [sourceUsers, targetUsers] = [(await snapshot(source))['users'], (await snapshot(target))['users']];
    expect(targetUsers).toEqual(sourceUsers);
  });
});
