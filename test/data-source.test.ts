import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnTypeFor, engineOf, JSON_COLUMN, TIMESTAMP } from '../src/column-types';
import { createDataSource } from '../src/data-source';
import { openDatabase } from '../src/database';
import { ENTITIES } from '../src/entities/all';
import { ConfigError } from '../src/errors';
import { MIGRATIONS } from '../src/migrations';
import { SnakeNamingStrategy } from '../src/naming-strategy';
import { withInitialized } from './support/database';
import { engines, pgUrl } from './support/engines';
import { emptyDatabase } from './support/pg-cluster';

const ROOT = join(__dirname, '..');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migochat-ds-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh, empty PostgreSQL database on the test server; `drop()` removes it. */
function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  return emptyDatabase(pgUrl(), `migochat_ds_${process.pid}_${Math.random().toString(36).slice(2, 10)}`);
}

describe('createDataSource', () => {
  it('returns an uninitialised DataSource with our entities, migrations and snake_case naming', () => {
    const ds = createDataSource({ url: 'sqlite::memory:' });
    expect(ds.isInitialized).toBe(false);
    expect(ds.options.entities).toEqual([...ENTITIES]);
    expect(ds.options.migrations).toEqual([...MIGRATIONS]);
    expect(ds.options.migrationsTableName).toBe('migrations');
    expect(ds.options.namingStrategy).toBeInstanceOf(SnakeNamingStrategy);
  });

  it('never turns synchronize on', () => {
    expect(createDataSource({ url: 'sqlite::memory:' }).options.synchronize).toBe(false);
    expect(createDataSource({ url: 'postgres://u:p@127.0.0.1:1/db' }).options.synchronize).toBe(false);
  });

  it('refuses bad options with ConfigError before touching a driver', () => {
    expect(() => createDataSource({ url: 'mysql://u:p@h/db' })).toThrow(ConfigError);
    expect(() => createDataSource({ url: 'sqlite::memory:', poolSize: -1 })).toThrow(ConfigError);
  });
});

describe('column types per engine', () => {
  it('maps the neutral timestamp type to timestamptz on PostgreSQL and datetime on SQLite', () => {
    expect(columnTypeFor('postgres', TIMESTAMP)).toBe('timestamptz');
    expect(columnTypeFor('sqlite', TIMESTAMP)).toBe('datetime');
  });

  it('leaves every other type alone', () => {
    for (const type of ['varchar', 'integer', 'bigint', 'text', 'boolean', JSON_COLUMN]) {
      expect(columnTypeFor('postgres', type)).toBe(type);
      expect(columnTypeFor('sqlite', type)).toBe(type);
    }
  });

  it('tells the engine of a DataSource', () => {
    expect(engineOf(createDataSource({ url: 'sqlite::memory:' }))).toBe('sqlite');
    expect(engineOf(createDataSource({ url: 'postgres://u:p@127.0.0.1:1/db' }))).toBe('postgres');
  });
});

describe('createDataSource on SQLite', () => {
  it('creates no tables when initialised: the schema comes from migrations only', async () => {
    const file = join(tmp, 'nosync.db');
    const tables = await withInitialized(createDataSource({ url: `sqlite:${file}` }), (ds) =>
      ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`),
    );
    expect(tables).toEqual([]);
  });

  it('turns on WAL, foreign keys and the default busy timeout of 5000 ms', async () => {
    const pragmas = await withInitialized(createDataSource({ url: `sqlite:${join(tmp, 'pragmas.db')}` }), async (ds) => ({
      journal: await ds.query('PRAGMA journal_mode'),
      foreignKeys: await ds.query('PRAGMA foreign_keys'),
      busy: await ds.query('PRAGMA busy_timeout'),
    }));
    expect(pragmas.journal).toEqual([{ journal_mode: 'wal' }]);
    expect(pragmas.foreignKeys).toEqual([{ foreign_keys: 1 }]);
    expect(pragmas.busy).toEqual([{ timeout: 5000 }]);
  });

  it('uses the configured busy timeout', async () => {
    const busy = await withInitialized(createDataSource({ url: `sqlite:${join(tmp, 'busy.db')}`, busyTimeoutMs: 1234 }), (ds) =>
      ds.query('PRAGMA busy_timeout'),
    );
    expect(busy).toEqual([{ timeout: 1234 }]);
  });

  it('turns on foreign keys for an in-memory database too', async () => {
    const foreignKeys = await withInitialized(createDataSource({ url: 'sqlite::memory:' }), (ds) => ds.query('PRAGMA foreign_keys'));
    expect(foreignKeys).toEqual([{ foreign_keys: 1 }]);
  });

});

describe.each(engines().filter((e) => e === 'postgres'))('createDataSource on %s', () => {
  let db: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates no tables when initialised: the schema comes from migrations only', async () => {
    const tables = await withInitialized(createDataSource({ url: db.url }), (ds) =>
      ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`),
    );
    expect(tables).toEqual([]);
  });

  it('passes the statement timeout to every connection of the pool', async () => {
    const timeouts = await withInitialized(createDataSource({ url: db.url, statementTimeoutMs: 1234, poolSize: 3 }), (ds) =>
      Promise.all([ds.query('SHOW statement_timeout'), ds.query('SHOW statement_timeout'), ds.query('SHOW statement_timeout')]),
    );
    for (const rows of timeouts) expect(rows).toEqual([{ statement_timeout: '1234ms' }]);
  });

  it('uses a 30 s statement timeout by default, and none when set to 0', async () => {
    const byDefault = await withInitialized(createDataSource({ url: db.url }), (ds) => ds.query('SHOW statement_timeout'));
    expect(byDefault).toEqual([{ statement_timeout: '30s' }]);
    const off = await withInitialized(createDataSource({ url: db.url, statementTimeoutMs: 0 }), (ds) => ds.query('SHOW statement_timeout'));
    expect(off).toEqual([{ statement_timeout: '0' }]);
  });

  it('hands pool size and idle timeout to pg, and the connect timeout to each new connection', async () => {
    const { options, clientTimeout } = await withInitialized(
      createDataSource({ url: db.url, poolSize: 4, poolIdleTimeoutMs: 2500, connectTimeoutMs: 1500 }),
      async (ds) => {
        const pool = (ds.driver as unknown as { master: { options: Record<string, unknown> & { Client: new () => { _connectionTimeoutMillis?: number } } } }).master;
        return { options: pool.options, clientTimeout: new pool.options.Client()._connectionTimeoutMillis };
      },
    );
    // The pool's own timeout bounds the wait for a free slot, which under load may exceed the connect timeout.
    expect(options).toMatchObject({ max: 4, idleTimeoutMillis: 2500, connectionTimeoutMillis: 60_000 });
    expect(clientTimeout).toBe(1500);
  });

  it('names the application in pg_stat_activity', async () => {
    const rows = await withInitialized(createDataSource({ url: db.url }), (ds) => ds.query('SHOW application_name'));
    expect(rows).toEqual([{ application_name: 'migochat-db' }]);
  });

  it('connects without TLS by default', async () => {
    const rows = await withInitialized(createDataSource({ url: db.url }), (ds) =>
      ds.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
    );
    expect(rows).toEqual([{ ssl: false }]);
  });

  it('asks for TLS when ssl is on (the test server has none, so pg refuses)', async () => {
    const ds = createDataSource({ url: db.url, ssl: { rejectUnauthorized: false }, connectTimeoutMs: 2000 });
    await expect(ds.initialize()).rejects.toThrow(/SSL/i);
    if (ds.isInitialized) await ds.destroy();
  });

  it('maps timestamps to timestamp with time zone', async () => {
    const type = await withInitialized(createDataSource({ url: db.url }), async (ds) => {
      const column = ds.getMetadata('User').findColumnWithPropertyName('lastMessageAt');
      return column && ds.driver.normalizeType(column);
    });
    expect(type).toBe('timestamp with time zone');
  });
});

describe('a missing driver package', () => {
  // A child process whose module resolution cannot find one package, as on a
  // machine where it was never installed.
  function runWithout(pkg: string, url: string): { name?: string; code?: string; setting?: string; message?: string; ok?: boolean } {
    const preload = join(tmp, `hide-${pkg}.cjs`);
    writeFileSync(
      preload,
      [
        "const Module = require('node:module');",
        'const resolve = Module._resolveFilename;',
        'Module._resolveFilename = function (request, ...rest) {',
        // By name, and by the absolute node_modules path TypeORM falls back to.
        `  const hidden = new RegExp(${JSON.stringify(`(^|[\\/]node_modules[\\/])${pkg.replace(/[-/]/g, '\\$&')}([\\/]|$)`)});`,
        '  if (hidden.test(request)) {',
        "    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });",
        '  }',
        '  return resolve.call(this, request, ...rest);',
        '};',
      ].join('\n'),
    );
    const script = join(tmp, `without-${pkg}.ts`);
    writeFileSync(
      script,
      [
        `import { createDataSource } from ${JSON.stringify(join(ROOT, 'src', 'data-source'))};`,
        `import { openDatabase } from ${JSON.stringify(join(ROOT, 'src', 'database'))};`,
        'const report = (e: unknown) => { const x = e as Record<string, unknown>; return { name: x.name, code: x.code, setting: x.setting, message: x.message }; };',
        'async function main() {',
        `  const url = ${JSON.stringify(url)};`,
        '  let sync: unknown; try { createDataSource({ url }); sync = { ok: true }; } catch (e) { sync = report(e); }',
        '  let opened: unknown; try { await openDatabase({ url, connectTimeoutMs: 0 }); opened = { ok: true }; } catch (e) { opened = report(e); }',
        '  console.log(JSON.stringify({ sync, opened }));',
        '}',
        'void main();',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['--require', preload, join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--tsconfig', join(ROOT, 'tsconfig.json'), script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
      timeout: 60_000,
    });
    const { sync, opened } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, Record<string, string>>;
    expect(opened).toEqual(sync);
    return sync ?? {};
  }

  it('gives ConfigError naming pg for a PostgreSQL URL', () => {
    const error = runWithout('pg', 'postgres://crm:s3cret@127.0.0.1:5432/crm');
    expect(error).toMatchObject({ name: 'ConfigError', code: 'CONFIG_ERROR', setting: 'url' });
    expect(error.message).toContain('npm install pg');
    expect(error.message).not.toContain('s3cret');
  });

  it('gives ConfigError naming better-sqlite3 for a SQLite URL', () => {
    const error = runWithout('better-sqlite3', 'sqlite::memory:');
    expect(error).toMatchObject({ name: 'ConfigError', code: 'CONFIG_ERROR', setting: 'url' });
    expect(error.message).toContain('npm install better-sqlite3');
  });

  it('still opens SQLite when only pg is missing', () => {
    expect(runWithout('pg', 'sqlite::memory:')).toEqual({ ok: true });
  });
});

describe('openDatabase and createDataSource agree', () => {
  it('opens a database through the same factory (migrations run, schema present)', async () => {
    const db = await openDatabase({ url: `sqlite:${join(tmp, 'open.db')}`, migrate: true });
    try {
      expect(db.dataSource.options.synchronize).toBe(false);
      expect(await db.pendingMigrations()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
