import type { Command } from 'commander';
import { count, countOf, CliError, progress, table } from '../output';
import { EXIT, type CommandKit } from '../context';

/** Registers `migrate`, `migrate:status` and `migrate:revert`. */
export function registerMigrateCommands(program: Command, kit: CommandKit): void {
  const { io, write, withDb, colours, confirmDestructive } = kit;

  program
    .command('migrate')
    .description('run every pending migration')
    .action(async (_o, cmd: Command) => {
      await withDb(cmd, async (db) => {
        // Long migrations log their progress (`search index: n / total messages`): shown as a bar on a terminal.
        const bar = progress(io, 'search index', countOf('messages'));
        const logger = db.dataSource.logger;
        const log = logger.log.bind(logger);
        logger.log = (level, message, runner) => {
          const done = /^search index: (\d+) \/ (\d+) messages$/.exec(String(message));
          if (done) bar.update(Number(done[1]), Number(done[2]));
          else log(level, message, runner);
        };
        let ran: string[];
        try {
          ran = await db.migrate();
        } finally {
          bar.stop();
          logger.log = log;
        }
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
}
