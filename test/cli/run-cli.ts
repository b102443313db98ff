// Runs the built `migochat-db` (dist/cli.js) as a child process, the way a
// person or a deploy script does: no TTY, settings from the environment.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/database';
import { DIST, ROOT } from '../support/build';
import { pgUrl, type EngineName } from '../support/engines';

export const CLI = join(DIST, 'cli.js');

let cli = CLI;

/**
 * Runs the tests on a private copy of dist/ (under node_modules/.cache, so
 * packages still resolve): another test run on the same checkout may rebuild
 * dist/ meanwhile, and a half-written dist/ is not what these tests are about.
 * Copies again until the copy answers `--help`. Returns a function that removes it.
 *
 * MIGOCHAT_CLI_DIST names another build to copy instead (e.g. one of an older
 * commit, to see that a test catches the defect it is about).
 */
export async function useCliCopy(): Promise<() => void> {
  const source = process.env['MIGOCHAT_CLI_DIST'] || DIST;
  const cacheDir = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const copy = mkdtempSync(join(cacheDir, 'migochat-cli-'));
  for (let attempt = 0; ; attempt++) {
    rmSync(copy, { recursive: true, force: true });
    try {
      cpSync(source, copy, { recursive: true });
      const check = spawnSync(process.execPath, [join(copy, 'cli.js'), '--help'], { stdio: 'pipe' });
      if (check.status === 0) break;
    } catch {
      // dist/ changed under the copy: try again
    }
    if (attempt >= 30) throw new Error('dist/cli.js does not run; build with npm run build');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  cli = join(copy, 'cli.js');
  return () => {
    cli = CLI;
    rmSync(copy, { recursive: true, force: true });
  };
}

/** What one run of the CLI printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How {@link runCli} runs the CLI. */
export interface RunOptions {
  /** The working folder (default: this process's). */
  cwd?: string;
  /**
   * Close the read end of stdout at once, as `| true` or a finished
   * `| head -1` does: every write the CLI makes to stdout fails with EPIPE.
   */
  closeStdout?: boolean;
}

/**
 * Runs `node dist/cli.js ...args` with stdin closed (not a TTY) and stdout/stderr
 * piped. Only PATH and HOME come from this process; `env` adds the rest.
 */
export function runCli(args: string[], env: Record<string, string> = {}, options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `bash -c` with `$CLI` set to `node <the CLI copy>`, e.g. `$CLI stats | head -1; echo "exit=${PIPESTATUS[0]}"`. */
export function runShell(script: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), CLI: `${process.execPath} ${cli}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The version in package.json, which `--version` prints. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A database of its own for a test: a SQLite file in a temp folder, or a fresh PostgreSQL database. */
export interface CliTarget {
  engine: EngineName;
  /** The DATABASE_URL of the database (empty, not migrated). */
  url: string;
  /** A temp folder for backups and exports. */
  dir: string;
  /** Runs the CLI against this database. */
  run(args: string[], env?: Record<string, string>, options?: RunOptions): Promise<CliRun>;
  /** Makes sure the (empty, unmigrated) database exists: SQLite creates no file until something writes to it. */
  createEmpty(): void;
  /** Drops the database and removes the folder. */
  dispose(): Promise<void>;
}

/** Creates an empty database for `engine` (PostgreSQL: on the server of TEST_DATABASE_URL). */
export async function createTarget(engine: EngineName): Promise<CliTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'migochat-cli-'));
  let url: string;
  let drop = async (): Promise<void> => undefined;
  if (engine === 'sqlite') {
    url = `sqlite:${join(dir, 'app.db')}`;
  } else {
    const server = pgUrl();
    const name = `migochat_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminQuery(server, `CREATE DATABASE "${name}"`);
    const target = new URL(server);
    target.pathname = `/${name}`;
    url = target.toString();
    drop = () => adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  return {
    engine,
    url,
    dir,
    run: (args, env = {}, options = {}) => runCli(args, { DATABASE_URL: url, ...env }, options),
    createEmpty() {
      // A file of 0 bytes is an empty SQLite database.
      if (engine === 'sqlite' && !existsSync(url.slice('sqlite:'.length))) writeFileSync(url.slice('sqlite:'.length), '');
    },
    async dispose() {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const admin = await openDatabase({ url: serverUrl, poolSize: 1 });
  try {
    await admin.dataSource.query(sql);
  } finally {
    await admin.close();
  }
}

/** Row count per table from `stats --json`. */
export async function rowCounts(target: CliTarget): Promise<Record<string, number>> {
  const result = await target.run(['stats', '--json']);
  if (result.code !== 0) throw new Error(`stats failed: ${result.stderr}`);
  const stats = JSON.parse(result.stdout) as { tables: Array<{ name: string; rows: number }> };
  return Object.fromEntries(stats.tables.map((t) => [t.name, t.rows]));
}

/** An export file's rows with every timestamp replaced, so two seeded databases compare by content. */
export function exportWithoutTimestamps(file: string): unknown[] {
  const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(1) // the header holds exportedAt
    .map((line) => JSON.parse(line, (_key, value: unknown) => (typeof value === 'string' && isoDate.test(value) ? '<timestamp>' : value)) as unknown);
}

/** ANSI escape sequences, as a progress bar or a cursor move would print them. */
export const ESCAPE = /\u001b\[/;

/** Whether util-linux `script` is installed, to give the CLI a pseudo-terminal. */
export function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether to run the tests that need a terminal: when `script` is installed,
 * and always under CI=true (where a missing `script` must fail, not skip:
 * .ci/run installs it).
 */
export function canTestOnTty(): boolean {
  return hasScript() || Boolean(process.env['CI']);
}

/** The escape sequences that hide and show the cursor. */
export const HIDE_CURSOR = '\u001b[?25l';
export const SHOW_CURSOR = '\u001b[?25h';

/** Whether the cursor is visible after everything `output` printed (never hidden, or shown again after the last hide). */
export function cursorVisibleAfter(output: string): boolean {
  return output.lastIndexOf(SHOW_CURSOR) >= output.lastIndexOf(HIDE_CURSOR);
}

/** A CLI running on a terminal, that a test can type into (Ctrl-C is `'\u0003'`). */
export interface TtySession {
  /** Everything printed so far (stdout and stderr share the terminal). */
  output(): string;
  /** Resolves with the output once it matches `pattern`; rejects after `timeoutMs` or when the CLI ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Types `text` on the terminal. */
  type(text: string): void;
  /** How it ended. */
  finished: Promise<CliRun>;
}

/** Starts the CLI inside `script`, on a pseudo-terminal, and leaves its input open for {@link TtySession.type}. */
export function startCliOnTty(args: string[], env: Record<string, string>): TtySession {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  let ended = false;
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const check of [...waiters]) check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      ended = true;
      for (const check of [...waiters]) check();
      resolve({ code, stdout: output, stderr });
    });
  });
  return {
    output: () => output,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output so far:\n${output}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(output)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(output);
          } else if (ended) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the CLI ended without printing ${String(pattern)}:\n${output}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    type: (text) => {
      child.stdin.write(text);
    },
    finished: finished.finally(() => child.stdin.destroy()),
  };
}

/** Runs the CLI inside `script`, so its stdout is a terminal (stdin is still closed). */
export function runCliOnTty(args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, cli, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), TERM: 'xterm', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    // What a person types at the prompt (script passes it on to the terminal).
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
