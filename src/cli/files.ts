/**
 * What kind of file the CLI was given, read from its first bytes: an export
 * (NDJSON, maybe gzip), a SQLite database, a pg_dump archive, or something
 * else. Lets `restore` of an export suggest `import`, and the reverse.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { EXPORT_FORMAT } from '../operations/format';

/** The kinds {@link fileKind} tells apart. */
export type FileKind = 'export' | 'sqlite' | 'pg_dump' | 'other' | 'missing';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
const PG_DUMP_MAGIC = Buffer.from('PGDMP', 'latin1');
/** How much of the first line of an export to read: its header is small. */
const HEADER_BYTES = 64 * 1024;

async function firstBytes(file: string, length: number): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    // A folder, or a file that cannot be read: not a file of ours.
    return null;
  } finally {
    await handle.close();
  }
}

/** The start of a gzip file, decompressed (at most {@link HEADER_BYTES}); empty when it is not valid gzip. */
function gunzippedStart(file: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const input = createReadStream(file);
    const gunzip = createGunzip();
    const done = () => {
      input.destroy();
      gunzip.destroy();
      resolve(Buffer.concat(chunks).subarray(0, HEADER_BYTES));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= HEADER_BYTES || chunk.includes(0x0a)) done();
    });
    gunzip.on('end', done);
    gunzip.on('error', done);
    input.on('error', done);
    input.pipe(gunzip);
  });
}

function isExportHeader(start: Buffer): boolean {
  const newline = start.indexOf(0x0a);
  const line = start.subarray(0, newline < 0 ? start.length : newline).toString('utf8');
  try {
    const header = JSON.parse(line) as { format?: unknown };
    return header.format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}

/** What `file` is, judged by its first bytes. */
export async function fileKind(file: string): Promise<FileKind> {
  const start = await firstBytes(file, HEADER_BYTES);
  if (start === null) return 'missing';
  if (start.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return 'sqlite';
  if (start.subarray(0, PG_DUMP_MAGIC.length).equals(PG_DUMP_MAGIC)) return 'pg_dump';
  if (start[0] === 0x1f && start[1] === 0x8b) return isExportHeader(await gunzippedStart(file)) ? 'export' : 'other';
  return isExportHeader(start) ? 'export' : 'other';
}
