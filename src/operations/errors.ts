/**
 * The errors of export and import, all {@link BackupError}s (code
 * `BACKUP_ERROR`, recognised by `isMigochatDbError`): a bad line, a limit
 * the file broke, counters in the file that disagree with its rows.
 *
 * @module
 */
import { BackupError } from '../errors';

/**
 * An import stopped at one line of the file (malformed JSON, an unknown table
 * or column, a value of the wrong type, a row that breaks the entity's rules,
 * or a row the database refused). It is a {@link BackupError}; `line` is the
 * 1-based line number, also in the message. Nothing was imported.
 */
export class ImportLineError extends BackupError {
  /** The 1-based line number in the (decompressed) file. */
  readonly line: number;

  /**
   * @param line - the 1-based line number.
   * @param message - what is wrong with the line; never a sensitive value.
   * @param options - the underlying error, if any.
   */
  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super(`Line ${line}: ${message}`, options);
    this.line = line;
  }
}

/** The limits an import file must stay within; see {@link ImportLimitError}. */
export type ImportLimit = 'lineBytes' | 'blankLines' | 'decompressedBytes';

/**
 * An import file broke one of the reader's limits: a line longer than
 * `maxLineBytes`, more than `maxBlankLines` blank lines in a row, or more
 * than `maxDecompressedBytes` once decompressed (a "gzip bomb"). The import
 * stopped there, before reading further; nothing was imported. It is an
 * {@link ImportLineError} naming the line where the limit was crossed.
 */
export class ImportLimitError extends ImportLineError {
  /** Which limit was broken. */
  readonly limit: ImportLimit;
  /** The limit's value (bytes or lines). */
  readonly max: number;

  /**
   * @param line - the 1-based line number where the limit was crossed.
   * @param limit - which limit.
   * @param max - its value.
   * @param message - what happened and how to proceed.
   */
  constructor(line: number, limit: ImportLimit, max: number, message: string) {
    super(line, message);
    this.limit = limit;
    this.max = max;
  }
}

/**
 * One row of an import file that disagrees with the file's other rows: a
 * stored counter that is not what the rows imply, or a reference that
 * points at another owner.
 */
export interface ImportMismatch {
  /** The row's table, e.g. `conversations`. */
  table: string;
  /** The row's id. */
  id: number;
  /** The column, e.g. `message_count` or `user_id`. */
  column: string;
  /** The value the file stores. */
  stored: number;
  /** The value the file's other rows imply. */
  actual: number;
}

/**
 * The rows of an import file are valid one by one but disagree with each
 * other: a conversation's `message_count` is not its number of messages, or
 * a message belongs to another user than its conversation. Nothing was
 * imported; fix the file (or export the source again). `mismatches` lists
 * the first few.
 */
export class ImportConsistencyError extends BackupError {
  /** The first mismatches found (at most a handful). */
  readonly mismatches: ImportMismatch[];

  /**
   * @param message - the explanation, naming the rows.
   * @param mismatches - the rows at fault.
   */
  constructor(message: string, mismatches: ImportMismatch[]) {
    super(message);
    this.mismatches = mismatches;
  }
}
