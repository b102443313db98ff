/**
 * Reads an import file line by line in linear time, gunzipping it when it
 * starts with the gzip magic bytes, within limits that make a hostile or
 * broken file fail fast instead of eating memory and time: the length of a
 * line, a run of blank lines, and the decompressed size.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BackupError, ConfigError } from '../errors';
import { ImportLimitError, ImportLineError } from './errors';
import { errorText } from './shared';

/** The longest line an import reads by default: 16 MiB (the largest legal row is a few MiB). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How many blank lines in a row an import accepts by default (an export has none). */
export const DEFAULT_MAX_BLANK_LINES = 1000;

/** A gzip file may by default expand to this many times its size... */
export const DEFAULT_MAX_EXPANSION = 1000;

/** ...or to this many bytes (1 GiB), whichever is more. */
export const MIN_MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

/** The limits an import file is read within; part of {@link ImportOptions}. */
export interface LineLimits {
  /** The longest line, in bytes of UTF-8 (default {@link DEFAULT_MAX_LINE_BYTES}). */
  maxLineBytes?: number;
  /** The most blank (empty or whitespace) lines in a row (default {@link DEFAULT_MAX_BLANK_LINES}). */
  maxBlankLines?: number;
  /**
   * The most bytes a gzip file may decompress to (default: 1,000 times its
   * size, at least 1 GiB). A plain file is read to its end.
   */
  maxDecompressedBytes?: number;
}

/** One line of the file: its text (without the line break) and its 1-based number. @internal */
export interface Line {
  /** The text, without `\n` or `\r\n`. */
  text: string;
  /** The 1-based line number in the (decompressed) file. */
  number: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const MIB = 1024 * 1024;

function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  }
  return true;
}

function size(bytes: number): string {
  return bytes >= MIB && bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** A limit from the options, or its default; anything but a positive whole number is refused. */
function limit(name: keyof LineLimits, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(name, `must be a positive whole number, not ${String(value)}`);
  }
  return value;
}

/**
 * The non-blank lines of `file`, read as a stream with backpressure. Each
 * line is decoded as UTF-8 once, when complete, so the cost is linear in
 * the file's size however long its lines; blank lines are counted from their
 * bytes and skipped.
 *
 * @internal
 * @param file - the file (plain, or gzip detected by its magic bytes).
 * @param label - how to name the file in errors.
 * @throws `ConfigError` for a limit that is not a positive whole number;
 * {@link ImportLimitError} at the line where a limit is crossed;
 * {@link ImportLineError} for a line that is not UTF-8; {@link BackupError}
 * when the file cannot be read or its gzip stream is broken.
 * @example
 * ```ts
 * for await (const { text, number } of readLines('./crm-export.ndjson.gz', 'the export')) console.log(number, text.length);
 * ```
 */
export async function* readLines(file: string, label: string, limits: LineLimits = {}): AsyncGenerator<Line, void, undefined> {
  const gzip = await isGzip(file);
  const maxLine = limit('maxLineBytes', limits.maxLineBytes, DEFAULT_MAX_LINE_BYTES);
  const maxBlank = limit('maxBlankLines', limits.maxBlankLines, DEFAULT_MAX_BLANK_LINES);
  const maxGzip = limit('maxDecompressedBytes', limits.maxDecompressedBytes, 0);
  const maxBytes = !gzip
    ? Number.POSITIVE_INFINITY
    : maxGzip || Math.max(MIN_MAX_DECOMPRESSED_BYTES, (await stat(file)).size * DEFAULT_MAX_EXPANSION);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // pipeline (not pipe) so a read error or a broken gzip stream ends the iteration with that error.
  const input: Readable = gzip
    ? pipeline(createReadStream(file, { highWaterMark: MIB }), createGunzip({ chunkSize: 256 * 1024 }), () => undefined)
    : createReadStream(file, { highWaterMark: MIB });

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  let blankRun = 0;
  let total = 0;

  const tooLong = (): ImportLimitError =>
    new ImportLimitError(
      number + 1,
      'lineBytes',
      maxLine,
      `is longer than ${size(maxLine)}, the longest line an import reads (maxLineBytes); an export's lines are far shorter, so this is not an export file or it is damaged`,
    );
  /** The line in `bytes` (the pending part first): counted, and returned unless blank. */
  const complete = (bytes: Buffer): Line | null => {
    number++;
    if (isBlank(bytes)) {
      if (++blankRun > maxBlank) {
        throw new ImportLimitError(
          number,
          'blankLines',
          maxBlank,
          `is blank like the ${maxBlank} lines before it (at most ${maxBlank} blank lines in a row, maxBlankLines); an export has none, so this is not an export file`,
        );
      }
      return null;
    }
    blankRun = 0;
    const end = bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    try {
      return { text: decoder.decode(bytes.subarray(0, end)), number };
    } catch (error) {
      throw new ImportLineError(number, 'is not UTF-8 text; an export is UTF-8, so this is not an export file or it is damaged', { cause: error });
    }
  };

  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new ImportLimitError(
          number + 1,
          'decompressedBytes',
          maxBytes,
          `${label} decompresses to more than ${size(maxBytes)} (maxDecompressedBytes); it looks like a gzip bomb, not an export. Raise maxDecompressedBytes if the file is genuine`,
        );
      }
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, start);
        if (newline === -1) {
          if (start < chunk.length) {
            pendingBytes += chunk.length - start;
            if (pendingBytes > maxLine) throw tooLong();
            pending.push(chunk.subarray(start));
          }
          break;
        }
        let bytes = chunk.subarray(start, newline);
        if (pendingBytes > 0) {
          if (pendingBytes + bytes.length > maxLine) throw tooLong();
          pending.push(bytes);
          bytes = Buffer.concat(pending, pendingBytes + bytes.length);
          pending = [];
          pendingBytes = 0;
        } else if (bytes.length > maxLine) {
          throw tooLong();
        }
        start = newline + 1;
        const line = complete(bytes);
        if (line) yield line;
      }
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`Cannot read ${label}${gzip ? ' (gzip)' : ''} after line ${number}: ${errorText(error)}`, { cause: error });
  } finally {
    input.destroy();
  }
  if (pendingBytes > 0) {
    const line = complete(Buffer.concat(pending, pendingBytes));
    if (line) yield line;
  }
}
