import type { Command } from 'commander';
import { exportDatabase, importDatabase } from '../../operations/index';
import { fileKind } from '../files';
import { CliError, countOf, humanBytes, progress } from '../output';
import type { CommandKit } from '../context';

/** Registers `export` and `import`. */
export function registerTransferCommands(program: Command, kit: CommandKit): void {
  const { io, session, write, withDb, prepareOutput, makeFolder } = kit;

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
}
