// dataSourceOptions(): a DataSource built by hand from the library's options
// (spread, as NestJS's TypeOrmModule and a TypeORM CLI data-source file do)
// behaves as createDataSource's does, on both engines.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import {
  attachDatabase,
  ConfigError,
  createDataSource,
  dataSourceOptions,
  LeadStage,
  MessageSource,
  User,
} from '../../src/index';
import { ENTITIES, MIGRATIONS, SnakeNamingStrategy } from '../../src/advanced';
import { engines, type EngineName } from '../support/engines';
import { useEmptyUrls } from '../support/empty-urls';

const empty = useEmptyUrls('migochat-dso-');
const emptyUrl = (engine: EngineName): Promise<string> => empty.url(engine);

async function withDataSource<T>(ds: DataSource, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

describe('ENTITIES and MIGRATIONS', () => {
  it('are plain arrays that TypeORM options take without a spread', () => {
    // Type-checked by `npm run typecheck`: readonly tuples fail here with TS2322.
    const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: ENTITIES, migrations: MIGRATIONS, namingStrategy: new SnakeNamingStrategy() });
    expect(Array.isArray(ENTITIES) && Array.isArray(MIGRATIONS)).toBe(true);
    expect(ds.options.entities).toBe(ENTITIES);
    expect(ds.options.migrations).toBe(MIGRATIONS);
  });
});

describe('dataSourceOptions', () => {
  it('is what createDataSource is built from', () => {
    const options = dataSourceOptions({ url: 'sqlite::memory:', busyTimeoutMs: 1234 });
    const ds = createDataSource({ url: 'sqlite::memory:', busyTimeoutMs: 1234 });
    expect(Object.keys(ds.options).sort()).toEqual(Object.keys(options).sort());
    expect(JSON.stringify(ds.options)).toBe(JSON.stringify(options));
    expect(options).toMatchObject({ type: 'better-sqlite3', database: ':memory:', synchronize: false, migrationsRun: false, migrationsTableName: 'migrations' });
  });

  it('turns migrate: true into migrationsRun', () => {
    expect(dataSourceOptions({ url: 'sqlite::memory:', migrate: true }).migrationsRun).toBe(true);
  });

  it('refuses bad options with ConfigError', () => {
    expect(() => dataSourceOptions({ url: 'mysql://u:p@h/db' })).toThrow(ConfigError);
  });

  it('keeps the password out of JSON and inspect', () => {
    const options = dataSourceOptions({ url: 'postgres://crm:s3cret@127.0.0.1:5432/crm' });
    expect(JSON.stringify(options)).not.toContain('s3cret');
  });
});

describe.each(engines())('new DataSource({ ...dataSourceOptions() }) on %s', (engine) => {
  it('initialises, runs the migrations (migrate: true) and sees no drift', async () => {
    const url = await emptyUrl(engine);
    await withDataSource(new DataSource({ ...dataSourceOptions({ url, migrate: true }) }), async (ds) => {
      expect(await ds.showMigrations()).toBe(false);
      const sql = await ds.driver.createSchemaBuilder().log();
      expect(sql.upQueries.map((q) => q.query)).toEqual([]);
    });
  });

  it('names columns snake_case and types timestamps per engine', async () => {
    const url = await emptyUrl(engine);
    await withDataSource(new DataSource({ ...dataSourceOptions({ url, migrate: true }) }), async (ds) => {
      const column = ds.getMetadata(User).findColumnWithPropertyName('lastMessageAt');
      expect(column?.databaseName).toBe('last_message_at');
      expect(column && ds.driver.normalizeType(column)).toBe(engine === 'postgres' ? 'timestamp with time zone' : 'datetime');
    });
  });

  it('writes timestamps with milliseconds, on insert and on update', async () => {
    const url = await emptyUrl(engine);
    await withDataSource(new DataSource({ ...dataSourceOptions({ url, migrate: true }) }), async (ds) => {
      const users = ds.getRepository(User);
      const saved = await users.save(users.create({ psid: 'psid-ms', primarySource: MessageSource.MESSENGER }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await users.update({ id: saved.id }, { leadStage: LeadStage.HOT });
      const text = engine === 'postgres' ? `to_char(x AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')` : 'x';
      const [row] = (await ds.query(
        `SELECT ${text.replace('x', '"created_at"')} AS "created", ${text.replace('x', '"updated_at"')} AS "updated" FROM "users" WHERE "id" = ${saved.id}`,
      )) as Array<{ created: string; updated: string }>;
      expect(row?.created).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}$/);
      expect(row?.updated).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}$/);
      expect(row!.updated > row!.created).toBe(true);
      if (engine === 'postgres') {
        expect(await ds.query(`SELECT pg_typeof("created_at")::text AS "type" FROM "users" LIMIT 1`)).toEqual([{ type: 'timestamp with time zone' }]);
      }
    });
  });

  it('gives attachDatabase a Database whose repositories work on it', async () => {
    const url = await emptyUrl(engine);
    const ds = new DataSource({ ...dataSourceOptions({ url, migrate: true }) });
    await ds.initialize();
    const db = attachDatabase(ds);
    try {
      expect(db.engine).toBe(engine);
      const user = await db.users.findOrCreateByPsid('psid-attach', { firstName: 'Mona' });
      await db.users.changeLeadStage(user.id, LeadStage.QUALIFIED, { performedBy: 'agent-1' });
      expect((await ds.getRepository(User).findOneByOrFail({ id: user.id })).leadStage).toBe(LeadStage.QUALIFIED);
      expect(await db.pendingMigrations()).toEqual([]);
    } finally {
      await db.close();
    }
    expect(ds.isInitialized).toBe(false);
  });
});

describe('attachDatabase', () => {
  it('refuses a DataSource that was not built from dataSourceOptions', () => {
    const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: ENTITIES });
    expect(() => attachDatabase(ds)).toThrow(ConfigError);
    expect(() => attachDatabase(ds)).toThrow(/dataSourceOptions/);
  });

  it('refuses one whose cache option (the carrier of the engine adjustments) was replaced', () => {
    const ds = new DataSource({ ...dataSourceOptions({ url: 'sqlite::memory:' }), cache: false });
    expect(() => attachDatabase(ds)).toThrow(ConfigError);
  });
});
