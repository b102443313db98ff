// Runs the built `migochat-db` (dist/cli.js) as a child process, the way a
// person or a deploy script does: no TTY, settings from the environment.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
 */
export async function useCliCopy(): Promise<() => void> {
  const cacheDir = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const copy = mkdtempSync(join(cacheDir, 'migochat-cli-'));
  for (let attempt = 0; ; attempt++) {
    rmSync(copy, { recursive: true, force: true });
    try {
      cpSync(DIST, copy, { recursive: true });
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

/**
 * Runs `node dist/cli.js ...args` with stdin closed (not a TTY) and stdout/stderr
 * piped. Only PATH and HOME come from this process; `env` adds the rest.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...env },
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

/** A database of its own for a test: a SQLite file in a temp folder, or a fresh PostgreSQL database. */
export interface CliTarget {
  engine: EngineName;
  /** The DATABASE_URL of the database (empty, not migrated). */
  url: string;
  /** A temp folder for backups and exports. */
  dir: string;
  /** Runs the CLI against this database. */
  run(args: string[], env?: Record<string, string>): Promise<CliRun>;
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
    run: (args, env = {}) => runCli(args, { DATABASE_URL: url, ...env }),
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
