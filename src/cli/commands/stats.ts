import type { Command } from 'commander';
import { CliError, table } from '../output';
import type { CommandKit } from '../context';

/** Registers `stats`. */
export function registerStatsCommand(program: Command, kit: CommandKit): void {
  const { write, withDb } = kit;

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
}
