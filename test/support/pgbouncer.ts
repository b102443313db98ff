// Starts and stops a throwaway PgBouncer in front of a test PostgreSQL server:
// 127.0.0.1 on a free port, config and auth file in an owner-only temp dir,
// run as the postgres user (PgBouncer refuses root, like the server).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { emptyDatabase, freePort, ownedTempDir } from './pg-cluster';

export const PGBOUNCER_BIN = process.env['PGBOUNCER_BIN'] ?? '/usr/sbin/pgbouncer';

/** Whether the PgBouncer binary is installed (Debian package `pgbouncer`). */
export function canStartPgBouncer(): boolean {
  return existsSync(PGBOUNCER_BIN);
}

export interface PgBouncer {
  /** `postgres://user:password@127.0.0.1:<port>/<database of serverUrl>` through the pooler. */
  url: string;
  port: number;
  /** `url` with another database name (PgBouncer's `*` entry forwards any name to the server). */
  urlFor(database: string): string;
  /** The pooler's own log, for a failing test's message. */
  log(): string;
  stop(): void;
}

export interface PgBouncerOptions {
  /** `transaction` (default), `session` or `statement`. */
  poolMode?: 'transaction' | 'session' | 'statement';
  /** Server connections per user and database (default 2: fewer than the clients, so they are shared). */
  defaultPoolSize?: number;
  /** `ignore_startup_parameters` (default `['statement_timeout']`, see below). */
  ignoreStartupParameters?: string[];
}

function asPostgres(cmd: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/**
 * Starts PgBouncer in front of the server of `serverUrl` (its user and
 * password go into the auth file). `ignore_startup_parameters` lists
 * `statement_timeout` by default because the library sends its
 * `statementTimeoutMs` as that startup parameter (pg's `statement_timeout`
 * option), which PgBouncer 1.18 refuses ("unsupported startup parameter")
 * unless told to ignore it.
 */
export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const root = ownedTempDir('migochat-pgbouncer-');
  const port = await freePort();
  const config = join(root, 'pgbouncer.ini');
  const logFile = join(root, 'pgbouncer.log');
  const pidFile = join(root, 'pgbouncer.pid');
  const ignore = options.ignoreStartupParameters ?? ['statement_timeout'];
  const lines = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || '5432'}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${root}`,
    'auth_type = scram-sha-256',
    `auth_file = ${join(root, 'userlist.txt')}`,
    `admin_users = ${user}`,
    `pool_mode = ${options.poolMode ?? 'transaction'}`,
    `default_pool_size = ${options.defaultPoolSize ?? 2}`,
    'max_client_conn = 500',
    ...(ignore.length > 0 ? [`ignore_startup_parameters = ${ignore.join(',')}`] : []),
    `logfile = ${logFile}`,
    `pidfile = ${pidFile}`,
  ];
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(join(root, 'userlist.txt'), `${quote(user)} ${quote(password)}\n`, { mode: 0o600 });
  writeFileSync(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const file of ['userlist.txt', 'pgbouncer.ini']) execFileSync('chown', [`${uid}:${gid}`, join(root, file)]);
  }
  // -d: daemonise, writing the pid file once it listens.
  asPostgres(PGBOUNCER_BIN, ['-d', config]);
  const url = (database: string) => {
    const u = new URL(serverUrl);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const stop = () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // never started, or already gone
    }
    rmSync(root, { recursive: true, force: true });
  };
  const database = server.pathname.replace(/^\//, '') || 'postgres';
  const bouncer: PgBouncer = { url: url(database), port, urlFor: url, log, stop };
  try {
    await waitUntilServing(bouncer.url);
  } catch (error) {
    const text = log();
    stop();
    throw new Error(`PgBouncer did not start: ${(error as Error).message}\n${text}`);
  }
  return bouncer;
}

async function waitUntilServing(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** What {@link useTransactionPooler} gives a suite once its `beforeAll` ran. */
export interface TransactionPooler {
  /** The suite's empty database, on the server directly. */
  readonly database: { url: string; drop: () => Promise<void> };
  /** The same database through the pooler. */
  readonly throughPooler: string;
}

/**
 * A suite's empty database behind a PgBouncer in transaction pool mode
 * (pool of 2), started before the suite and stopped after it. Under CI=true a
 * missing pgbouncer or PostgreSQL fails the suite instead of skipping it.
 */
export function useTransactionPooler(serverUrl: () => string, hooks: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void }): TransactionPooler {
  let bouncer: PgBouncer | undefined;
  let database: TransactionPooler['database'] | undefined;
  let throughPooler = '';
  hooks.beforeAll(async () => {
    if (!canStartPgBouncer()) throw new Error('CI=true but /usr/sbin/pgbouncer is missing; install the Debian package pgbouncer (.ci/run does)');
    if (!serverUrl()) throw new Error('CI=true but no PostgreSQL server for the tests');
    database = await emptyDatabase(serverUrl());
    bouncer = await startPgBouncer(serverUrl(), { poolMode: 'transaction', defaultPoolSize: 2 });
    throughPooler = bouncer.urlFor(new URL(database.url).pathname.slice(1));
  });
  hooks.afterAll(async () => {
    bouncer?.stop();
    await database?.drop();
  });
  return {
    get database() {
      if (!database) throw new Error('the pooler suite has not started');
      return database;
    },
    get throughPooler() {
      return throughPooler;
    },
  };
}
