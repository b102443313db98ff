/**
 * The `migochat-db` program: the global options, the commands (registered from
 * ./commands/, in the order `--help` lists them), and {@link runCli}, which
 * parses, maps errors to exit codes and handles Ctrl-C. What the commands share
 * is in ./context.
 */
import { Command, CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import {
  registerBackupCommands,
  registerHealthCommand,
  registerMigrateCommands,
  registerRebuildCommand,
  registerSeedCommand,
  registerStatsCommand,
  registerTransferCommands,
} from './commands/index';
import { createCommandKit, EXIT, type CliContext, type Session } from './context';
import { describeError, palette, stopAllProgress, wantsColour, writeTo, type Palette } from './output';

export { describeTarget, EXIT, isProduction, type CliContext } from './context';

/** Builds the `migochat-db` command. */
export function buildProgram(ctx: CliContext, session: Session = { onInterrupt: null, interruptNote: null }, colours = { out: palette(false), err: palette(false) }): Command {
  const { io } = ctx;
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

  const kit = createCommandKit(ctx, session, colours);
  registerMigrateCommands(program, kit);
  registerHealthCommand(program, kit);
  registerBackupCommands(program, kit);
  registerTransferCommands(program, kit);
  registerSeedCommand(program, kit);
  registerStatsCommand(program, kit);
  registerRebuildCommand(program, kit);

  return program;
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
