import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../../package.json';
import { databaseOptionsFromEnv, DEFAULT_DATABASE_URL, maskUrl, parseDatabaseUrl, type DatabaseEnv, type DatabaseOptions, type DatabaseTarget } from '../config';
import { Database, openDatabase } from '../database';
import { ConfigError, isMigochatDbError } from '../errors';
import { backupDatabase, exportDatabase, importDatabase, restoreDatabase } from '../operations/index';
import type { HealthReport } from '../operations/health';
import { seedDemoData, type SeedResult } from '../testing/seed';
import { scrubMessage } from '../driver-errors';
import { fileKind } from './files';
import {
  CliError,
  count,
  countOf,
  describeError,
  humanBytes,
  megabytes,
  palette,
  progress,
  stopAllProgress,
  table,
  wantsColour,
  writeTo,
  type CliIo,
  type Palette,
} from './output';

/** Exit codes: 0 success, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

interface GlobalOptions {
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
interface Session {
  /** Asked on the first Ctrl-C: true when the command stops by itself (e.g. after the current batch). */
  onInterrupt: (() => boolean) | null;
  /** What to say when the process is stopped at once: what was written, what was not. */
  interruptNote: (() => string) | null;
}

function positiveInt(value: string): number {
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
interface ResolvedTarget {
  options: DatabaseOptions;
  target: DatabaseTarget;
  /** The setting a person changes to point elsewhere: `--url`, `DATABASE_URL`, or the default. */
  source: string;
  /** The SQLite path or the masked URL. */
  display: string;
}

function resolveTarget(globals: GlobalOptions, env: DatabaseEnv): ResolvedTarget {
  // Checked under the name the user typed: a bad --url is reported as --url, not DATABASE_URL.
  if (globals.url !== undefined) parseDatabaseUrl(globals.url, '--url');
  const options = databaseOptionsFromEnv({ ...env, ...(globals.url !== undefined ? { DATABASE_URL: globals.url } : {}) });
  const target = parseDatabaseUrl(options.url, globals.url !== undefined ? '--url' : 'DATABASE_URL');
  const source = globals.url !== undefined ? '--url' : env['DATABASE_URL']?.trim() ? 'DATABASE_URL' : 'DATABASE_URL (not set, so the default)';
  return { options, target, source, display: describeTarget(target) };
}

/** Where the URL points when another setting is what is wrong (a bad DB_POOL_SIZE); null when the URL itself is bad. */
function bestEffortTarget(globals: GlobalOptions, env: DatabaseEnv): { target: DatabaseTarget; display: string } | null {
  try {
    const target = parseDatabaseUrl(globals.url ?? (env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL));
    return { target, display: describeTarget(target) };
  } catch {
    return null;
  }
}

/** Builds the `migochat-db` command. */
export function buildProgram(ctx: CliContext, session: Session = { onInterrupt: null, interruptNote: null }, colours = { out: palette(false), err: palette(false) }): Command {
  const { io } = ctx;
  const write = (text: string) => writeTo(io.out, text);
  const confirm = ctx.confirm ?? ((question: string) => askOnStdin(question, io));
  const program = new Command('migochat-db')
    .description(
      'Migrate, check, back up, restore, move and seed a @migochat/db database.\nDATABASE_URL (or --url) picks the database; the other DB_* settings apply.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('--url <url>', 'database URL (default: $DATABASE_URL, else sqlite:./data/migochat.db)')
    .option('--verbose', 'print stack traces on errors')
    .addOption(new Option('--no-color', 'no colour, even on a terminal (NO_COLOR=1 does the same)'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => writeTo(io.out, s),
      writeErr: (s) => writeTo(io.err, s),
      outputError: (s, out) => out(s.replace(/^error/, colours.err.paint(['bold', 'red'], 'error'))),
    });

  /** Refuses before opening anything when a read-only command names a SQLite file that is not there. */
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

  /** Refuses to replace an existing file unless --force, and makes the folder a new file goes into. */
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

  /** Asks (on a terminal) or demands --yes (without one) before a command that destroys data. */
  const confirmDestructive = async (o: { yes?: boolean }, question: string, refusal: string): Promise<boolean> => {
    if (o.yes) return true;
    if (!ctx.stdinIsTTY) throw new ConfigError('--yes', `${refusal}; standard input is not a terminal, so pass --yes to confirm`);
    return confirm(question);
  };

  program
    .command('migrate')
    .description('run every pending migration')
    .action(async (_o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const ran = await db.migrate();
        write(ran.length === 0 ? 'Nothing to migrate: the schema is up to date.\n' : `Ran ${ran.length} migration(s):\n${ran.map((n) => `  ${n}\n`).join('')}`);
      });
    });

  program
    .command('migrate:status')
    .description('list executed and pending migrations')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withDb(
        cmd,
        async (db) => {
          const pending = (await db.pendingMigrations()).map((m) => m.name);
          const all = db.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
          const rows = all.map((name) => ({ migration: name, status: pending.includes(name) ? 'pending' : 'executed' }));
          write(o.json ? `${JSON.stringify({ migrations: rows, pending: pending.length }, null, 2)}\n` : table(rows, (column, text) => (column === 'status' ? colours.out.status(text) : text)));
        },
        { mustExist: true },
      );
    });

  program
    .command('migrate:revert')
    .description('undo the last executed migration (asks first, or needs --yes, when the database holds data)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      await withDb(
        cmd,
        async (db, resolved) => {
          const pending = new Set((await db.pendingMigrations()).map((m) => m.name));
          const last = db.dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !pending.has(name)).at(-1);
          if (last === undefined) {
            write('Nothing to revert.\n');
            return;
          }
          const report = await db.health({ timeoutMs: 30_000 });
          if (report.status === 'unhealthy') throw new CliError(report.error ?? 'the database does not answer');
          const holding = report.tables.filter((t) => t.rows > 0);
          if (holding.length > 0) {
            const rows = holding.reduce((sum, t) => sum + t.rows, 0);
            const detail = holding.map((t) => `${t.name}: ${count(t.rows)}`).join(', ');
            const what = `migrate:revert undoes ${last}, which can drop tables and the data in them; ${resolved.display} holds ${count(rows)} row(s) (${detail})`;
            const confirmed = await confirmDestructive(o, `${what}.\nRevert ${last}?`, what);
            if (!confirmed) {
              write('Revert cancelled; nothing changed.\n');
              process.exitCode = EXIT.failure;
              return;
            }
          }
          await db.dataSource.undoLastMigration({ transaction: 'each' });
          write(`Reverted ${last}.\n`);
        },
        { mustExist: true },
      );
    });

  program
    .command('health')
    .description('check the database; exit 0 when healthy, 1 otherwise')
    .option('--json', 'print the report as JSON (for monitoring; printed even when the database cannot be reached)')
    .option('--timeout <ms>', 'answer within this many milliseconds', positiveInt, 2000)
    .action(async (o: { json?: boolean; timeout: number }, cmd: Command) => {
      const started = performance.now();
      const checkedAt = new Date().toISOString();
      let resolved: ResolvedTarget | undefined;
      let report: (HealthReport & { database?: string }) | undefined;
      let failure: unknown;
      try {
        resolved = resolveTarget(cmd.optsWithGlobals<GlobalOptions>(), ctx.env);
        assertExists(resolved);
        const target = resolved;
        // The whole check, connecting included, answers within --timeout.
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new CliError(`no answer within ${o.timeout} ms\n  check ${target.source} (now ${target.display})`, { code: 'DATABASE_UNAVAILABLE' })),
            o.timeout,
          );
        });
        const opening = openFor(target, { connectTimeoutMs: o.timeout });
        let db: Database;
        try {
          db = await Promise.race([opening, deadline]);
        } catch (error) {
          clearTimeout(timer);
          // An open that finishes after the deadline is closed, not left holding the process.
          opening.then((late) => late.close()).catch(() => undefined);
          throw error;
        }
        try {
          const remaining = Math.max(1, o.timeout - Math.round(performance.now() - started));
          report = { ...(await Promise.race([db.health({ timeoutMs: remaining }), deadline])), database: target.display };
        } finally {
          clearTimeout(timer);
          await db.close().catch(() => undefined);
        }
      } catch (error) {
        failure = error;
      }
      if (report === undefined) {
        if (!o.json) throw failure;
        // Monitoring reads stdout: whatever went wrong is still a JSON report, just unhealthy.
        const cause: unknown = failure instanceof CliError && failure.cause instanceof Error ? failure.cause : failure;
        const reason = cause instanceof Error ? cause.message : String(cause);
        const code = isMigochatDbError(cause) ? cause.code : failure instanceof CliError ? failure.code : undefined;
        const where = resolved ?? bestEffortTarget(cmd.optsWithGlobals<GlobalOptions>(), ctx.env);
        const unhealthy = {
          status: 'unhealthy',
          engine: where?.target.engine ?? null,
          database: where?.display ?? null,
          serverVersion: null,
          latencyMs: Math.round(performance.now() - started),
          tables: [],
          missingTables: [],
          pendingMigrations: [],
          error: scrubMessage(reason.split('\n')[0] ?? reason),
          ...(code ? { code } : {}),
          checkedAt,
        };
        write(`${JSON.stringify(unhealthy, null, 2)}\n`);
        // A person still gets the reason on stderr.
        writeTo(io.err, `${describeError(failure, cmd.optsWithGlobals<GlobalOptions>().verbose === true, colours.err)}\n`);
        process.exitCode = EXIT.failure;
        return;
      }
      if (o.json) {
        write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        write(`status: ${colours.out.status(report.status)}\ndatabase: ${report.database ?? ''}\nengine: ${report.engine} ${report.serverVersion ?? ''}\nlatency: ${report.latencyMs} ms\n`);
        if (report.missingTables.length) write(`missing tables: ${report.missingTables.join(', ')}\n`);
        if (report.pendingMigrations.length) write(`pending migrations: ${report.pendingMigrations.join(', ')}\n`);
        if (report.error) write(`${colours.out.paint('red', 'error')}: ${report.error}\n`);
        write(table(report.tables.map((t) => ({ table: t.name, rows: t.rows }))));
      }
      if (report.status !== 'healthy') process.exitCode = EXIT.failure;
    });

  program
    .command('backup <file>')
    .description('write a consistent backup (SQLite online backup, or pg_dump custom format); makes the folder if needed')
    .option('--force', 'replace the file if it exists')
    .action(async (file: string, o: { force?: boolean }, cmd: Command) => {
      prepareOutput(file, o.force, 'backup');
      await withDb(
        cmd,
        async (db) => {
          // SQLite reports pages: shown as MB. PostgreSQL reports tables dumped.
          const pageSize = db.engine === 'sqlite' ? await sqlitePageSize(db) : 0;
          const bar = progress(io, 'backup', db.engine === 'sqlite' ? megabytes(pageSize) : countOf('tables'));
          session.interruptNote = () => `Interrupted: the backup was not written (${file} is unchanged).`;
          try {
            makeFolder(file);
            const result = await backupDatabase(db, file, { onProgress: (done, total) => bar.update(done, total) });
            bar.stop();
            write(`Backed up to ${result.file} (${humanBytes(result.bytes)}).\n`);
          } finally {
            bar.stop();
          }
        },
        { mustExist: true },
      );
    });

  program
    .command('restore <file>')
    .description('replace the database with a backup (asks first unless --yes)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (file: string, o: { yes?: boolean }, cmd: Command) => {
      // Checked before anything is opened or asked.
      const kind = await fileKind(file);
      if (kind === 'missing' && !existsSync(resolvePath(file))) throw new CliError(`The backup ${file} does not exist`, { code: 'BACKUP_ERROR' });
      if (kind === 'export') {
        throw new CliError(
          `${file} is an export (NDJSON), not a backup: load it with "migochat-db import ${file}" (into an empty database). restore takes files written by "migochat-db backup".`,
          { code: 'BACKUP_ERROR' },
        );
      }
      // Refuse before opening anything: without a terminal nobody can answer the question.
      if (!o.yes && !ctx.stdinIsTTY) {
        throw new ConfigError('--yes', 'restore overwrites the database; standard input is not a terminal, so pass --yes to confirm');
      }
      await withDb(cmd, async (db, resolved) => {
        if (!o.yes && !(await confirm(`Overwrite ${resolved.display} with ${file}?`))) {
          // Not restored, so not a success: a script checking $? must not carry on as if it were.
          write('Restore cancelled; nothing changed.\n');
          process.exitCode = EXIT.failure;
          return;
        }
        await restoreDatabase(db, file);
        write(`Restored from ${file}.\n`);
      });
    });

  program
    .command('export <file>')
    .description('export every table as NDJSON (gzip when the name ends in .gz), portable between engines; makes the folder if needed')
    .option('--force', 'replace the file if it exists')
    .action(async (file: string, o: { force?: boolean }, cmd: Command) => {
      prepareOutput(file, o.force, 'export');
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'export', countOf('rows'));
          session.interruptNote = () => `Interrupted: the export was not written (${file} is unchanged).`;
          try {
            makeFolder(file);
            const result = await exportDatabase(db, file, { onProgress: (done, total) => bar.update(done, total) });
            bar.stop();
            write(`Exported ${result.rows} rows to ${file} (${humanBytes(result.bytes)}).\n`);
          } finally {
            bar.stop();
          }
        },
        { mustExist: true },
      );
    });

  program
    .command('import <file>')
    .description('import an export into an empty database (migrated first)')
    .action(async (file: string, _o, cmd: Command) => {
      const kind = await fileKind(file);
      if (kind === 'missing') throw new CliError(`The export ${file} does not exist (or cannot be read)`, { code: 'BACKUP_ERROR' });
      if (kind === 'sqlite' || kind === 'pg_dump') {
        throw new CliError(`${file} is a backup, not an export: put it back with "migochat-db restore ${file}". import takes files written by "migochat-db export".`, {
          code: 'BACKUP_ERROR',
        });
      }
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'import', countOf('rows'));
          session.interruptNote = () => 'Interrupted: the import was stopped; check the database before importing again (it must be empty).';
          try {
            const result = await importDatabase(db, file, { onProgress: (done, total) => bar.update(done, total) });
            bar.stop();
            write(`Imported ${result.rows} rows from ${file}.\n`);
          } finally {
            bar.stop();
          }
        },
        { migrate: true },
      );
    });

  program
    .command('seed')
    .description('fill the database with deterministic demo data (migrated first); Ctrl-C stops after the current batch')
    .option('--users <n>', 'how many leads', positiveInt, 50)
    .option('--messages-per-user <n>', 'messages per lead', positiveInt, 6)
    .option('--seed <s>', 'random seed: the same seed gives the same data', positiveInt, 1)
    .action(async (o: { users: number; messagesPerUser: number; seed: number }, cmd: Command) => {
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'seed', countOf('users'));
          const stop = new AbortController();
          let written: SeedResult | null = null;
          const summary = (w: SeedResult | null) =>
            w === null
              ? 'no leads were written (the demo posts, campaigns and settings may have been)'
              : `${count(w.users)} of ${count(o.users)} users (${count(w.messages)} messages), ${w.posts} posts, ${w.adCampaigns} campaigns and the demo settings were written`;
          session.onInterrupt = () => {
            stop.abort();
            writeTo(io.err, `\nStopping after the current batch (Ctrl-C again to stop at once)...\n`);
            return true;
          };
          session.interruptNote = () => `Interrupted: ${summary(written)}; the batch in progress was rolled back.`;
          try {
            const result = await seedDemoData(db, {
              users: o.users,
              messagesPerUser: o.messagesPerUser,
              seed: o.seed,
              signal: stop.signal,
              onProgress: (done, total, so) => {
                written = so;
                bar.update(done, total);
              },
            });
            bar.stop();
            const skipped = o.users - result.users;
            write(
              `Seeded ${result.users} users, ${result.messages} messages, ${result.posts} posts, ${result.adCampaigns} campaigns.` +
                (skipped > 0 ? ` ${skipped} lead(s) of seed ${o.seed} were already there and were left as they are.` : '') +
                '\n',
            );
          } catch (error) {
            if (!stop.signal.aborted) throw error;
            bar.stop();
            writeTo(io.err, `Interrupted: ${summary(written)}; the rest was not written.\n`);
            process.exitCode = EXIT.interrupted;
          } finally {
            bar.stop();
            session.onInterrupt = null;
          }
        },
        { migrate: true },
      );
    });

  program
    .command('stats')
    .description('row count per table and the lead funnel')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withDb(
        cmd,
        async (db, resolved) => {
          const report = await db.health({ timeoutMs: 30_000 });
          if (report.status === 'unhealthy') throw new CliError(`${report.error ?? 'database unavailable'}\n  check ${resolved.source} (now ${resolved.display})`);
          if (report.missingTables.length > 0) {
            throw new CliError(`${resolved.display} lacks the table(s) ${report.missingTables.join(', ')}: run migochat-db migrate first`);
          }
          const funnel = await db.users.leadFunnel();
          if (o.json) {
            write(`${JSON.stringify({ database: resolved.display, tables: report.tables, funnel }, null, 2)}\n`);
            return;
          }
          write(`database: ${resolved.display}\n\n`);
          write(table(report.tables.map((t) => ({ table: t.name, rows: t.rows }))));
          write('\n');
          write(table(Object.entries(funnel).map(([stage, leads]) => ({ stage, leads }))));
        },
        { mustExist: true },
      );
    });

  program
    .command('rebuild')
    .description('drop every table and migrate from scratch (refused in production unless --force)')
    .option('-y, --yes', 'confirm that all data will be lost')
    .option('--force', 'allow when NODE_ENV=production')
    .action(async (o: { yes?: boolean; force?: boolean }, cmd: Command) => {
      if (!o.yes) throw new ConfigError('--yes', 'rebuild deletes all data; pass --yes to confirm');
      if (isProduction(ctx.env['NODE_ENV']) && !o.force) {
        throw new ConfigError('NODE_ENV', `is ${JSON.stringify(ctx.env['NODE_ENV'])}, a production environment; rebuild refuses to drop a production database unless --force`);
      }
      await withDb(cmd, async (db) => {
        await db.dataSource.dropDatabase();
        const ran = await db.migrate();
        write(`Rebuilt: dropped every table and ran ${ran.length} migration(s).\n`);
      });
    });

  return program;
}

async function sqlitePageSize(db: Database): Promise<number> {
  const rows = (await db.run((manager) => manager.query('PRAGMA page_size'))) as Array<{ page_size?: unknown }>;
  const size = Number(rows[0]?.page_size);
  return Number.isFinite(size) && size > 0 ? size : 4096;
}

/** The arguments before `--`, without the global options (and the value of `--url`). */
function withoutGlobalOptions(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return [...rest, ...argv.slice(i)];
    if (arg === '--url') {
      i++;
      continue;
    }
    if (arg.startsWith('--url=') || arg === '--verbose' || arg === '--no-color') continue;
    rest.push(arg);
  }
  return rest;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * With no command it prints the help on stdout and returns 1, as git does.
 * Ctrl-C (SIGINT) puts the cursor back, says what was written, and exits 130.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { io: { out: process.stdout, err: process.stderr }, env: process.env, stdinIsTTY: !!process.stdin.isTTY });
 * ```
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const verbose = argv.includes('--verbose');
  const noColor = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--no-color');
  const colours: { out: Palette; err: Palette } = {
    out: palette(wantsColour(ctx.io.out, ctx.env, noColor)),
    err: palette(wantsColour(ctx.io.err, ctx.env, noColor)),
  };
  const session: Session = { onInterrupt: null, interruptNote: null };
  const program = buildProgram(ctx, session, colours);

  let interrupts = 0;
  const stopNow = (code: number, note: string) => {
    stopAllProgress();
    writeTo(ctx.io.err, `\n${note}\n`);
    (ctx.exit ?? ((c: number) => process.exit(c)))(code);
  };
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1 && session.onInterrupt?.()) return;
    stopNow(EXIT.interrupted, session.interruptNote?.() ?? 'Interrupted.');
  };
  const onSigterm = () => stopNow(EXIT.terminated, session.interruptNote?.().replace(/^Interrupted/, 'Terminated') ?? 'Terminated.');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    if (withoutGlobalOptions(argv).length === 0) {
      // No command: the help on stdout (so `migochat-db | less` works), and exit 1 since nothing was done, as git does.
      writeTo(ctx.io.out, program.helpInformation());
      return EXIT.failure;
    }
    process.exitCode = undefined;
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help or version asked for (`--help`, `help <command>`, `--version`) exits 0; anything else commander rejects is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    writeTo(ctx.io.err, `${describeError(error, verbose, colours.err)}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** `production`, `prod`, `Production`, ` PRODUCTION ` ...: every spelling a deploy may use. */
export function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv !== undefined && /^(prod|production)$/i.test(nodeEnv.trim());
}
