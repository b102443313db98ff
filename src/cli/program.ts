import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { databaseOptionsFromEnv, maskUrl, type DatabaseEnv, type DatabaseOptions } from '../config';
import { Database, openDatabase } from '../database';
import { ConfigError, isMigochatDbError } from '../errors';
import { backupDatabase, exportDatabase, importDatabase, restoreDatabase } from '../operations/index';
import { seedDemoData } from '../testing/seed';
import { scrubMessage } from '../driver-errors';
import { CliError, describeError, progress, table, type CliIo } from './output';

/** Exit codes: 0 success, 1 failure, 2 bad usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

interface GlobalOptions {
  url?: string;
  verbose?: boolean;
}

/** How the CLI reaches the world; tests and the bin pass their own. */
export interface CliContext {
  io: CliIo;
  env: DatabaseEnv;
  /** Whether standard input is a terminal a person can answer on. */
  stdinIsTTY: boolean;
  /** Asks a yes/no question on standard input. */
  confirm?: (question: string) => Promise<boolean>;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a whole number >= 1`);
  }
  return n;
}

async function askOnStdin(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Where the options point, safe to print: the SQLite path or the masked URL. */
function describeTarget(options: DatabaseOptions): string {
  const url = options.url ?? '';
  return url.startsWith('sqlite:') ? url : maskUrl(url);
}

/** Builds the `migochat-db` command. */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const write = (text: string) => io.out.write(text);
  const program = new Command('migochat-db')
    .description('Migrate, check, back up, restore, move and seed a @migochat/db database.\nDATABASE_URL (or --url) picks the database; the other DB_* settings apply.')
    .option('--url <url>', 'database URL (default: $DATABASE_URL, else sqlite:./data/migochat.db)')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  const withDb = async <T>(command: Command, fn: (db: Database) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const env = { ...ctx.env, ...(globals.url ? { DATABASE_URL: globals.url } : {}) };
    const options = databaseOptionsFromEnv(env);
    let db: Database;
    try {
      db = await openDatabase({ ...options, migrate: opts.migrate ?? false });
    } catch (error) {
      if (isMigochatDbError(error) && error.code === 'DATABASE_UNAVAILABLE') {
        // Name the setting to fix and where it points (password masked).
        const source = globals.url ? '--url' : 'DATABASE_URL';
        throw new CliError(`${error.message}\n  check ${source} (now ${describeTarget(options)})`, { code: error.code, cause: error });
      }
      throw error;
    }
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
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
      await withDb(cmd, async (db) => {
        const pending = (await db.pendingMigrations()).map((m) => m.name);
        const all = db.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
        const rows = all.map((name) => ({ migration: name, status: pending.includes(name) ? 'pending' : 'executed' }));
        write(o.json ? `${JSON.stringify({ migrations: rows, pending: pending.length }, null, 2)}\n` : table(rows));
      });
    });

  program
    .command('migrate:revert')
    .description('undo the last executed migration')
    .action(async (_o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const before = (await db.pendingMigrations()).length;
        await db.dataSource.undoLastMigration({ transaction: 'each' });
        const after = (await db.pendingMigrations()).length;
        write(after > before ? 'Reverted the last migration.\n' : 'Nothing to revert.\n');
      });
    });

  program
    .command('health')
    .description('check the database; exit 0 when healthy, 1 otherwise')
    .option('--json', 'print the report as JSON (for monitoring)')
    .option('--timeout <ms>', 'answer within this many milliseconds', positiveInt, 2000)
    .action(async (o: { json?: boolean; timeout: number }, cmd: Command) => {
      const check = withDb(cmd, async (db) => {
        const report = await db.health({ timeoutMs: o.timeout });
        if (o.json) {
          write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          write(`status: ${report.status}\nengine: ${report.engine} ${report.serverVersion ?? ''}\nlatency: ${report.latencyMs} ms\n`);
          if (report.missingTables.length) write(`missing tables: ${report.missingTables.join(', ')}\n`);
          if (report.pendingMigrations.length) write(`pending migrations: ${report.pendingMigrations.join(', ')}\n`);
          if (report.error) write(`error: ${report.error}\n`);
          write(table(report.tables.map((t) => ({ table: t.name, rows: t.rows }))));
        }
        return report.status === 'healthy';
      });
      let healthy: boolean;
      try {
        healthy = await check;
      } catch (error) {
        // Monitoring reads stdout: an unreachable database is still a JSON report, just unhealthy.
        if (!o.json || !(error instanceof CliError)) throw error;
        const cause: unknown = error.cause;
        const reason = cause instanceof Error ? cause.message : error.message;
        write(`${JSON.stringify({ status: 'unhealthy', error: scrubMessage(reason), checkedAt: new Date().toISOString() }, null, 2)}\n`);
        healthy = false;
      }
      if (!healthy) process.exitCode = EXIT.failure;
    });

  program
    .command('backup <file>')
    .description('write a consistent backup (SQLite online backup, or pg_dump custom format)')
    .action(async (file: string, _o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const bar = progress(io, 'backup');
        try {
          const result = await backupDatabase(db, file, { onProgress: (done, total) => bar.update(done, total) });
          bar.stop();
          write(`Backed up to ${result.file} (${result.bytes} bytes).\n`);
        } finally {
          bar.stop();
        }
      });
    });

  program
    .command('restore <file>')
    .description('replace the database with a backup (asks first unless --yes)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (file: string, o: { yes?: boolean }, cmd: Command) => {
      // Refuse before opening anything: without a terminal nobody can answer the question.
      if (!o.yes && !ctx.stdinIsTTY) {
        throw new ConfigError('--yes', 'restore overwrites the database; standard input is not a terminal, so pass --yes to confirm');
      }
      await withDb(cmd, async (db) => {
        if (!o.yes) {
          const target = db.options.target.engine === 'sqlite' ? db.options.target.path : maskUrl(db.options.target.url);
          const confirmed = await (ctx.confirm ?? askOnStdin)(`Overwrite ${target} with ${file}?`);
          if (!confirmed) {
            // Not restored, so not a success: a script checking $? must not carry on as if it were.
            write('Restore cancelled; nothing changed.\n');
            process.exitCode = EXIT.failure;
            return;
          }
        }
        await restoreDatabase(db, file);
        write(`Restored from ${file}.\n`);
      });
    });

  program
    .command('export <file>')
    .description('export every table as NDJSON (gzip when the name ends in .gz), portable between engines')
    .action(async (file: string, _o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const bar = progress(io, 'export');
        try {
          const result = await exportDatabase(db, file, { onProgress: (done, total) => bar.update(done, total) });
          bar.stop();
          write(`Exported ${result.rows} rows to ${file}.\n`);
        } finally {
          bar.stop();
        }
      });
    });

  program
    .command('import <file>')
    .description('import an export into an empty database (migrated first)')
    .action(async (file: string, _o, cmd: Command) => {
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'import');
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
    .description('fill the database with deterministic demo data (migrated first)')
    .option('--users <n>', 'how many leads', positiveInt, 50)
    .option('--messages-per-user <n>', 'messages per lead', positiveInt, 6)
    .option('--seed <s>', 'random seed: the same seed gives the same data', positiveInt, 1)
    .action(async (o: { users: number; messagesPerUser: number; seed: number }, cmd: Command) => {
      await withDb(
        cmd,
        async (db) => {
          const bar = progress(io, 'seed');
          try {
            const result = await seedDemoData(db, {
              users: o.users,
              messagesPerUser: o.messagesPerUser,
              seed: o.seed,
              onProgress: (done, total) => bar.update(done, total),
            });
            bar.stop();
            write(`Seeded ${result.users} users, ${result.messages} messages, ${result.posts} posts, ${result.adCampaigns} campaigns.\n`);
          } finally {
            bar.stop();
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
      await withDb(cmd, async (db) => {
        const report = await db.health({ timeoutMs: 30_000 });
        if (report.status === 'unhealthy') throw new Error(report.error ?? 'database unavailable');
        if (report.missingTables.length > 0) {
          throw new CliError(`The database lacks the table(s) ${report.missingTables.join(', ')}: run migochat-db migrate first`);
        }
        const funnel = await db.users.leadFunnel();
        if (o.json) {
          write(`${JSON.stringify({ tables: report.tables, funnel }, null, 2)}\n`);
          return;
        }
        write(table(report.tables.map((t) => ({ table: t.name, rows: t.rows }))));
        write('\n');
        write(table(Object.entries(funnel).map(([stage, count]) => ({ stage, leads: count }))));
      });
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

  program.addOption(new Option('--no-color').hideHelp());
  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { io: { out: process.stdout, err: process.stderr }, env: process.env, stdinIsTTY: !!process.stdin.isTTY });
 * ```
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  const verbose = argv.includes('--verbose');
  try {
    process.exitCode = undefined;
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (`--help`, `help <command>`) exits 0; anything else commander rejects is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    ctx.io.err.write(`${describeError(error, verbose)}\n`);
    return EXIT.failure;
  }
}

/** `production`, `prod`, `Production`, ` PRODUCTION ` ...: every spelling a deploy may use. */
export function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv !== undefined && /^(prod|production)$/i.test(nodeEnv.trim());
}
