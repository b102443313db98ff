import type { Command } from 'commander';
import type { Database } from '../../database';
import { isMigochatDbError } from '../../errors';
import type { HealthReport } from '../../operations/health';
import { scrubMessage } from '../../driver-errors';
import { CliError, describeError, table, writeTo } from '../output';
import { bestEffortTarget, EXIT, positiveInt, resolveTarget, type CommandKit, type GlobalOptions, type ResolvedTarget } from '../context';

/** Registers `health`. */
export function registerHealthCommand(program: Command, kit: CommandKit): void {
  const { ctx, io, write, colours, assertExists, openFor } = kit;

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
}
