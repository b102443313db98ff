// The import's line reader: linear in the file's size however long its lines,
// exact about line numbers, and quick to give up on a file that breaks one of
// its limits (a huge line, a run of blank lines, a gzip bomb).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupError, isMigochatDbError } from '../../src/errors';
import {
  DEFAULT_MAX_BLANK_LINES,
  DEFAULT_MAX_LINE_BYTES,
  ImportLimitError,
  ImportLineError,
  type LineLimits,
} from '../../src/operations/index';
import { type Line, readLines } from '../../src/operations/line-reader';
import { tempDir } from './support';

const tmp = tempDir();
afterAll(() => tmp.remove());

let files = 0;
function file(content: Buffer | string): string {
  const path = join(tmp.dir, `f${files++}`);
  writeFileSync(path, content);
  return path;
}

async function all(path: string, limits?: LineLimits): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of readLines(path, 'the file', limits)) out.push(line);
  return out;
}

async function failure(path: string, limits?: LineLimits): Promise<{ error: unknown }> {
  const error = await all(path, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error };
}

/**
 * A gzip file made of `count` copies of one gzip member (gunzip reads them
 * back to back): a few KB on disk, any size once decompressed.
 */
function gzipBomb(head: string, repeated: Buffer, count: number, tail = ''): Buffer {
  const member = gzipSync(repeated, { level: 9 });
  return Buffer.concat([gzipSync(head), ...Array.from({ length: count }, () => member), gzipSync(tail)]);
}

describe('reading lines', () => {
  it('numbers lines from 1, skips blank ones, strips \\r\\n and keeps a last line without a newline', async () => {
    const lines = await all(file('one\r\n\n  \t\ntwo\nthree'));
    expect(lines).toEqual([
      { text: 'one', number: 1 },
      { text: 'two', number: 4 },
      { text: 'three', number: 5 },
    ]);
  });

  it('reads gzip (detected by its magic bytes, whatever the name) the same as plain text', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"text":"حلو 🚀 ${'x'.repeat(i % 50)}"}`).join('\n');
    expect(await all(file(gzipSync(text)))).toEqual(await all(file(text)));
    expect((await all(file(gzipSync(text)))).length).toBe(5000);
  });

  it('decodes characters split across chunks exactly', async () => {
    // 3-byte and 4-byte characters straddling every chunk boundary of the 1 MiB reads.
    const line = '€🚀'.repeat(400_000);
    const [read] = await all(file(`${line}\n`));
    expect(read?.text).toBe(line);
  });

  it('refuses a line that is not UTF-8, naming it', async () => {
    const { error } = await failure(file(Buffer.concat([Buffer.from('ok\n'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.from('\n')])));
    expect(error).toBeInstanceOf(ImportLineError);
    expect((error as ImportLineError).line).toBe(2);
    expect((error as Error).message).toMatch(/^Line 2: is not UTF-8 text/);
  });

  it('reads 8, 16 and 32 MB lines whole, with the line after each', async () => {
    const limits = { maxLineBytes: 64 * 1024 * 1024 };
    for (const mb of [8, 16, 32]) {
      const path = file(`{"v":"${'a'.repeat(mb * 1024 * 1024)}"}\n{}\n`);
      const lines = await all(path, limits);
      expect(lines.map((l) => [l.number, l.text.length])).toEqual([
        [1, mb * 1024 * 1024 + 8],
        [2, 2],
      ]);
    }
  });
});

describe('limits', () => {
  it('stops at a line longer than 16 MiB, naming the line and the limit, without reading on', async () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
    // One 200 MB line in a gzip of a few hundred KB.
    const path = file(gzipBomb('{"header":true}\n{"table":"users","row":{"first_name":"', Buffer.alloc(1024 * 1024, 0x61), 200, '"}}\n'));
    const { error } = await failure(path);
    expect(error).toBeInstanceOf(ImportLimitError);
    expect(error).toBeInstanceOf(BackupError);
    expect(isMigochatDbError(error)).toBe(true);
    const limit = error as ImportLimitError;
    expect(limit.line).toBe(2);
    expect(limit.limit).toBe('lineBytes');
    expect(limit.max).toBe(16 * 1024 * 1024);
    expect(limit.message).toMatch(/^Line 2: is longer than 16 MiB/);
  });

  it('counts a long run of blank lines cheaply and stops after the allowed run', async () => {
    // 2 GB of newlines in a gzip of about 2 MB.
    const path = file(gzipBomb('{"header":true}\n', Buffer.alloc(1024 * 1024, 0x0a), 2048));
    const { error } = await failure(path);
    expect(error).toBeInstanceOf(ImportLimitError);
    const limit = error as ImportLimitError;
    expect(limit.limit).toBe('blankLines');
    expect(limit.max).toBe(DEFAULT_MAX_BLANK_LINES);
    expect(limit.line).toBe(DEFAULT_MAX_BLANK_LINES + 2);
    expect(limit.message).toMatch(new RegExp(`^Line ${DEFAULT_MAX_BLANK_LINES + 2}: is blank like the ${DEFAULT_MAX_BLANK_LINES} lines before it`));
  });

  it('accepts blank lines up to the limit, and whitespace-only lines count as blank', async () => {
    const lines = await all(file(`a\n${' \n'.repeat(DEFAULT_MAX_BLANK_LINES)}b\n`));
    expect(lines).toEqual([
      { text: 'a', number: 1 },
      { text: 'b', number: DEFAULT_MAX_BLANK_LINES + 2 },
    ]);
  });

  it('stops a gzip file that decompresses beyond its limit (default: 1,000 times its size, at least 1 GiB)', async () => {
    const row = Buffer.from(`${'{"table":"users","row":{}}\n'.repeat(40_000)}`);
    const path = file(gzipBomb('{"header":true}\n', row, 100));
    const { error } = await failure(path, { maxDecompressedBytes: 32 * 1024 * 1024 });
    expect(error).toBeInstanceOf(ImportLimitError);
    const limit = error as ImportLimitError;
    expect(limit.limit).toBe('decompressedBytes');
    expect(limit.max).toBe(32 * 1024 * 1024);
    expect(limit.line).toBeGreaterThan(1_000_000);
    expect(limit.message).toMatch(/the file decompresses to more than 32 MiB \(maxDecompressedBytes\)/);
  });

  it('refuses a limit that is not a positive whole number with a ConfigError naming it', async () => {
    for (const [name, value] of [['maxLineBytes', 0], ['maxBlankLines', -1], ['maxDecompressedBytes', 1.5]] as const) {
      const { error } = await failure(file('a\n'), { [name]: value });
      expect(isMigochatDbError(error) && error.code).toBe('CONFIG_ERROR');
      expect((error as Error).message).toBe(`${name}: must be a positive whole number, not ${value}`);
    }
  });

  it('reports a truncated gzip stream as a BackupError after the last whole line', async () => {
    const gz = gzipSync(Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join('\n'));
    const { error } = await failure(file(gz.subarray(0, Math.floor(gz.length / 2))));
    expect(error).toBeInstanceOf(BackupError);
    expect((error as Error).message).toMatch(/^Cannot read the file \(gzip\) after line \d+: unexpected end of file/);
  });
});
