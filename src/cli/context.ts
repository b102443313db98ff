/**
 * What every command shares: the exit codes, how the CLI reaches the world
 * ({@link CliContext}), the global options, which database they point at, and
 * the helpers a command opens it with ({@link CommandKit}).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { databaseOptionsFromEnv, DEFAULT_DATABASE_URL, maskUrl, parseDatabaseUrl, type DatabaseEnv, type DatabaseOptions, type DatabaseTarget } from '../config';
import { Database, openDatabase } from '../database';
import { ConfigError, isMigochatDbError } from '../errors';
import { CliError, writeTo, type CliIo, type Palette } from './output';

/** Exit codes: 0 success, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** The options every command takes (`--url`, `--verbose`, `--no-color`). */
export interface GlobalOptions {
  url?: string;
  verbose?: boolean;
  color?: boolean;
}

/** How the CLI reaches the world; tests and the bin pass their own. */
export interface CliContext {
  io: CliIo;
  env: DatabaseEnv;
  /** Whether standard input is a terminal a person can answer on. */
  stdinIsTTY: boolean;
  /** Asks a yes/no question on standard input. */
  confirm?: (question: string) => Promise<boolean>;
  /** Ends the process at once (a second Ctrl-C); default `process.exit`. */
  exit?: (code: number) => never;
}

/** What a running command tells the Ctrl-C handler. */
export interface Session {
  /** Asked on the first Ctrl-C: true when the command stops by itself (e.g. after the current batch). */
  onInterrupt: (() => boolean) | null;
  /** What to say when the process is stopped at once: what was written, what was not. */
  interruptNote: (() => string) | null;
}

/** The palettes for stdout and stderr. */
export interface Colours {
  out: Palette;
  err: Palette;
}

/** Parses an option value that must be a whole number >= 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number >= 1`);
  }
  return n;
}

/** Asks on the terminal; Ctrl-C or end of input count as "no". */
async function askOnStdin(question: string, io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: io.err as NodeJS.WritableStream });
  const cancelled = new Promise<string>((resolve) => {
    rl.once('SIGINT', () => {
      writeTo(io.err, '\n');
      resolve('');
    });
    rl.once('close', () => resolve(''));
  });
  try {
    const answer = await Promise.race([rl.question(`${question} [y/N] `), cancelled]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Where the options point, safe to print: the SQLite file (absolute) or the URL with its password masked. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.engine === 'postgres') return maskUrl(target.url);
  return isFileDatabase(target) ? `sqlite:${resolvePath(target.path)}` : `sqlite:${target.path}`;
}

/** A SQLite database in a plain file (not `:memory:`, not a `file:` URI). */
function isFileDatabase(target: DatabaseTarget): boolean {
  return target.engine === 'sqlite' && target.path !== ':memory:' && !/^file:/i.test(target.path);
}

/** The database a command works on, and how to name where it came from. */
export interface ResolvedTarget {
  options: DatabaseOptions;
  target: DatabaseTarget;
  /** The setting a person changes to point elsewhere: `--url`, `DATABASE_URL`, or the default. */
  source: string;
  /** The SQLite path or the masked URL. */
  display: string;
}

/** The database the global options and the environment point at. */
export function resolveTarget(globals: GlobalOptions, env: DatabaseEnv): ResolvedTarget {
  // Checked under the name the user typed: a bad --url is reported as --url, not DATABASE_URL.
  if (globals.url !== undefined) parseDatabaseUrl(globals.url, '--url');
  const options = databaseOptionsFromEnv({ ...env, ...(globals.url !== undefined ? { DATABASE_URL: globals.url } : {}) });
  const target = parseDatabaseUrl(options.url, globals.url !== undefined ? '--url' : 'DATABASE_URL');
  const source = globals.url !== undefined ? '--url' : env['DATABASE_URL']?.trim() ? 'DATABASE_URL' : 'DATABASE_URL (not set, so the default)';
  return { options, target, source, display: describeTarget(target) };
}

/** Where the URL points when another setting is what is wrong (a bad DB_POOL_SIZE); null when the URL itself is bad. */
export function bestEffortTarget(globals: GlobalOptions, env: DatabaseEnv): { target: DatabaseTarget; display: string } | null {
  try {
    const target = parseDatabaseUrl(globals.url ?? (env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL));
    return { target, display: describeTarget(target) };
  } catch {
    return null;
  }
}

/** `production`, `prod`, `Production`, ` PRODUCTION ` ...: every spelling a deploy may use. */
export function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv !== undefined && /^(prod|production)$/i.test(nodeEnv.trim());
}

/** What the commands are given: the context, the session, the palettes, and the helpers they share. */
export interface CommandKit {
  ctx: CliContext;
  io: CliIo;
  session: Session;
  colours: Colours;
  /** Writes to stdout. */
  write: (text: string) => void;
  /** Asks a yes/no question ({@link CliContext.confirm}, or on the terminal). */
  confirm: (question: string) => Promise<boolean>;
  /** Refuses before opening anything when a read-only command names a SQLite file that is not there. */
  assertExists: (resolved: ResolvedTarget) => void;
  /** Opens the database, naming the setting to fix when it cannot be reached. */
  openFor: (resolved: ResolvedTarget, opts: { migrate?: boolean; connectTimeoutMs?: number }) => Promise<Database>;
  /** Opens the database the command points at, runs `fn`, and closes it. */
  withDb: <T>(command: Command, fn: (db: Database, resolved: ResolvedTarget) => Promise<T>, opts?: { migrate?: boolean; mustExist?: boolean }) => Promise<T>;
  /** Refuses to replace an existing file unless --force. */
  prepareOutput: (file: string, force: boolean | undefined, what: string) => void;
  /** Makes the folder a new file goes into (owner-only). */
  makeFolder: (file: string) => void;
  /** Asks (on a terminal) or demands --yes (without one) before a command that destroys data. */
  confirmDestructive: (o: { yes?: boolean }, question: string, refusal: string) => Promise<boolean>;
}

/** The helpers the commands share, bound to one run of the CLI. */
export function createCommandKit(ctx: CliContext, session: Session, colours: Colours): CommandKit {
  const { io } = ctx;
  const write = (text: string) => writeTo(io.out, text);
  const confirm = ctx.confirm ?? ((question: string) => askOnStdin(question, io));

  const assertExists = (resolved: ResolvedTarget): void => {
    const { target } = resolved;
    if (target.engine !== 'sqlite' || !isFileDatabase(target) || existsSync(resolvePath(target.path))) return;
    throw new CliError(
      `The SQLite database ${resolvePath(target.path)} does not exist (nothing was created): check ${resolved.source}, or create the database with "migochat-db migrate"`,
      { code: 'DATABASE_NOT_FOUND' },
    );
  };

  const openFor = async (resolved: ResolvedTarget, opts: { migrate?: boolean; connectTimeoutMs?: number }): Promise<Database> => {
    try {
      return await openDatabase({
        ...resolved.options,
        ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: Math.min(resolved.options.connectTimeoutMs ?? 10_000, opts.connectTimeoutMs) } : {}),
        migrate: opts.migrate ?? false,
      });
    } catch (error) {
      if (isMigochatDbError(error) && error.code === 'DATABASE_UNAVAILABLE') {
        // Name the setting to fix and where it points (password masked).
        throw new CliError(`${error.message}\n  check ${resolved.source} (now ${resolved.display})`, { code: error.code, cause: error });
      }
      throw error;
    }
  };

  const withDb = async <T>(
    command: Command,
    fn: (db: Database, resolved: ResolvedTarget) => Promise<T>,
    opts: { migrate?: boolean; mustExist?: boolean } = {},
  ): Promise<T> => {
    const resolved = resolveTarget(command.optsWithGlobals<GlobalOptions>(), ctx.env);
    if (opts.mustExist) assertExists(resolved);
    const db = await openFor(resolved, opts);
    try {
      return await fn(db, resolved);
    } finally {
      await db.close();
    }
  };

  const prepareOutput = (file: string, force: boolean | undefined, what: string): void => {
    const path = resolvePath(file);
    if (existsSync(path) && !force) {
      throw new CliError(`${file} already exists; pass --force to replace it with the new ${what}, or choose another name`, { code: 'FILE_EXISTS' });
    }
  };
  const makeFolder = (file: string): void => {
    // Owner-only like the file itself: backups and exports hold every secret of the database.
    mkdirSync(dirname(resolvePath(file)), { recursive: true, mode: 0o700 });
  };

  const confirmDestructive = async (o: { yes?: boolean }, question: string, refusal: string): Promise<boolean> => {
    if (o.yes) return true;
    if (!ctx.stdinIsTTY) throw new ConfigError('--yes', `${refusal}; standard input is not a terminal, so pass --yes to confirm`);
    return confirm(question);
  };

  return { ctx, io, session, colours, write, confirm, assertExists, openFor, withDb, prepareOutput, makeFolder, confirmDestructive };
}
