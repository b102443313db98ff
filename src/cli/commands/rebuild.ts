import type { Command } from 'commander';
import { ConfigError } from '../../errors';
import { isProduction, type CommandKit } from '../context';

/** Registers `rebuild`. */
export function registerRebuildCommand(program: Command, kit: CommandKit): void {
  const { ctx, write, withDb } = kit;

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
        // TypeORM drops every table SQLite lists, FTS5's shadow tables too, which SQLite refuses
        // ("may not be dropped"): the search index goes first, and its shadow tables with it.
        if (db.engine === 'sqlite') await db.dataSource.query('DROP TABLE IF EXISTS "messages_fts"');
        await db.dataSource.dropDatabase();
        const ran = await db.migrate();
        write(`Rebuilt: dropped every table and ran ${ran.length} migration(s).\n`);
      });
    });
}
