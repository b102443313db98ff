// Starts and stops throwaway PostgreSQL clusters for the tests: initdb as the
// postgres user in a temp dir, 127.0.0.1 on a free port, fsync off.
import { execFileSync, spawnSync } from 'node:child_process';
import pg from 'pg';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  url: string;
  port: number;
  dataDir: string;
  stop(): void;
  /** Stops the server with `immediate` mode, or SIGKILL with `kill`, without removing data. */
  halt(mode?: 'fast' | 'immediate'): void;
  start(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[], options: { cwd?: string } = {}): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const result = spawnSync(file, argv, { cwd: options.cwd ?? tmpdir(), encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

export function canStartPostgres(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

export function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

export function clusterAt(dataDir: string, port: number, root: string): PgCluster {
  const pgCtl = join(PG_BIN, 'pg_ctl');
  const log = join(root, 'server.log');
  const start = () =>
    asPostgres(pgCtl, ['-D', dataDir, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1`, 'start']);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    halt(mode = 'fast') {
      asPostgres(pgCtl, ['-D', dataDir, '-m', mode, '-w', 'stop']);
    },
    stop() {
      try {
        asPostgres(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function startCluster(extraConf: string[] = []): Promise<PgCluster> {
  const root = ownedTempDir('migochat-pg-');
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pw');
  asPostgres('sh', ['-c', `printf postgres > ${pwFile}`]);
  asPostgres(join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--pwfile', pwFile, '-A', 'scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const conf = [
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 300',
    'shared_buffers = 128MB',
    'wal_level = replica',
    'max_wal_senders = 10',
    ...extraConf,
  ];
  asPostgres('sh', ['-c', `printf '%s\\n' ${conf.map((c) => `'${c}'`).join(' ')} >> ${join(dataDir, 'postgresql.conf')}`]);
  asPostgres('sh', ['-c', `printf '%s\\n' 'host replication all 127.0.0.1/32 scram-sha-256' >> ${join(dataDir, 'pg_hba.conf')}`]);
  const port = await freePort();
  const cluster = clusterAt(dataDir, port, root);
  cluster.start();
  return cluster;
}

/** Starts a streaming replica of `primary` (pg_basebackup -R) on another loopback port. */
export async function startReplica(primary: PgCluster): Promise<PgCluster> {
  const root = ownedTempDir('migochat-replica-');
  const dataDir = join(root, 'data');
  asPostgres(join(PG_BIN, 'pg_basebackup'), [
    '-D', dataDir,
    '-R',
    '-X', 'stream',
    '-c', 'fast',
    '-d', `postgresql://postgres:postgres@127.0.0.1:${primary.port}/postgres`,
  ]);
  const port = await freePort();
  const replica = clusterAt(dataDir, port, root);
  replica.start();
  return replica;
}

/** A fresh, empty database on the server of `serverUrl` (named `name`, or a random one); `drop()` removes it. */
export async function emptyDatabase(serverUrl: string, name = `migochat_${process.pid}_${Math.random().toString(36).slice(2, 10)}`): Promise<{ url: string; drop: () => Promise<void> }> {
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
