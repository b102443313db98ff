import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import type { Database } from '../../database';
import { ConfigError } from '../../errors';
import { backupDatabase, restoreDatabase } from '../../operations/index';
import { fileKind } from '../files';
import { CliError, countOf, humanBytes, megabytes, progress } from '../output';
import { EXIT, type CommandKit } from '../context';

/** Registers `backup` and `restore`. */
export function registerBackupCommands(program: Command, kit: CommandKit): void {
  const { ctx, io, session, write, confirm, withDb, prepareOutput, makeFolder } = kit;

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
}

async function sqlitePageSize(db: Database): Promise<number> {
  const rows = (await db.run((manager) => manager.query('PRAGMA page_size'))) as Array<{ page_size?: unknown }>;
  const size = Number(rows[0]?.page_size);
  return Number.isFinite(size) && size > 0 ? size : 4096;
}
