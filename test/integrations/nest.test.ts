// The README's NestJS recipe, booted as a real NestJS application context on
// each engine: TypeOrmModule.forRootAsync with dataSourceOptions(), an injected
// Repository<User>, and the library's Database (repositories) as a provider.
// Constructor parameters name their tokens (@InjectRepository, @Inject): the
// test runs through esbuild, which emits no decorator metadata.
import 'reflect-metadata';
import { Inject, Injectable, Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, type Repository } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { attachDatabase, createDataSource, Database, dataSourceOptions, LeadStage, Message, MessageSource, User } from '../../src/index';
import { ENTITIES } from '../../src/advanced';
import { engines, pgUrl, type EngineName } from '../support/engines';
import { emptyDatabase } from '../support/pg-cluster';

const drops: Array<() => Promise<void>> = [];
const apps: INestApplicationContext[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => undefined);
  for (const drop of drops.splice(0)) await drop();
});

async function emptyUrl(engine: EngineName): Promise<string> {
  if (engine === 'sqlite') return 'sqlite::memory:';
  const db = await emptyDatabase(pgUrl());
  drops.push(db.drop);
  return db.url;
}

async function boot(module: Type | DynamicModule): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
  apps.push(app);
  return app;
}

/** The recipe of the README, for one database URL. */
function recipe(url: string) {
  @Injectable()
  class LeadService {
    constructor(
      @InjectRepository(User) readonly users: Repository<User>,
      @Inject(Database) readonly db: Database,
    ) {}

    async firstContact(psid: string): Promise<User> {
      const user = await this.db.users.findOrCreateByPsid(psid, { firstName: 'Ahmed', primarySource: MessageSource.MESSENGER });
      await this.db.messages.recordInbound({ userId: user.id, text: 'Hi', source: MessageSource.MESSENGER, facebookMessageId: `m_${psid}` });
      await this.db.users.changeLeadStage(user.id, LeadStage.CONTACTED, { performedBy: 'nest' });
      return this.users.findOneByOrFail({ psid });
    }
  }

  @Module({
    imports: [
      TypeOrmModule.forRootAsync({
        useFactory: () => ({ ...dataSourceOptions({ url, migrate: true }), autoLoadEntities: true, retryAttempts: 0 }),
      }),
      TypeOrmModule.forFeature([User, Message]),
    ],
    providers: [{ provide: Database, inject: [DataSource], useFactory: (ds: DataSource) => attachDatabase(ds) }, LeadService],
    exports: [Database, LeadService],
  })
  class AppModule {}

  return { AppModule, LeadService };
}

describe.each(engines())('NestJS TypeOrmModule with dataSourceOptions on %s', (engine) => {
  it('injects Repository<User> and the Database, on one migrated DataSource without drift, and closes cleanly', async () => {
    const url = await emptyUrl(engine);
    const { AppModule, LeadService } = recipe(url);
    const app = await boot(AppModule);
    const service = app.get(LeadService);
    const ds = app.get(DataSource);
    expect(app.get(Database).dataSource).toBe(ds);
    expect(service.db.engine).toBe(engine);

    const user = await service.firstContact('psid-nest');
    expect(user).toBeInstanceOf(User);
    expect(user).toMatchObject({ firstName: 'Ahmed', leadStage: LeadStage.CONTACTED });
    // A write through the TypeORM repository, read back through the library's.
    await service.users.update({ id: user.id }, { lastName: 'Hassan' });
    expect((await service.db.users.getById(user.id)).lastName).toBe('Hassan');
    expect((await service.db.messages.listForUser(user.id, { limit: 5 })).items).toHaveLength(1);

    expect(await service.db.pendingMigrations()).toEqual([]);
    expect((await ds.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    const lastMessageAt = ds.getMetadata(User).findColumnWithPropertyName('lastMessageAt');
    expect(lastMessageAt && ds.driver.normalizeType(lastMessageAt)).toBe(engine === 'postgres' ? 'timestamp with time zone' : 'datetime');

    await app.close();
    expect(ds.isInitialized).toBe(false);
    if (engine === 'postgres') {
      const client = new Client({ connectionString: pgUrl() });
      await client.connect();
      try {
        const name = new URL(url).pathname.slice(1);
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        expect(rows[0]?.n).toBe(0);
      } finally {
        await client.end();
      }
    }
  });
});

describe('NestJS TypeOrmModule, other shapes', () => {
  it('takes a DataSource from createDataSource through dataSourceFactory, and forFeature(ENTITIES)', async () => {
    @Module({
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ retryAttempts: 0 }),
          dataSourceFactory: async () => createDataSource({ url: 'sqlite::memory:', migrate: true }),
        }),
        TypeOrmModule.forFeature(ENTITIES),
      ],
      providers: [{ provide: Database, inject: [DataSource], useFactory: (ds: DataSource) => attachDatabase(ds) }],
    })
    class FactoryModule {}
    const app = await boot(FactoryModule);
    const db = app.get(Database);
    const user = await db.users.findOrCreateByPsid('psid-factory');
    expect((await app.get(getDataSourceToken()).getRepository(User).findOneByOrFail({ id: user.id })).psid).toBe('psid-factory');
    await app.close();
    expect(db.dataSource.isInitialized).toBe(false);
  });

  it('fails, as the README says, when only forFeature([User, Message]) registers entities', async () => {
    // Why dataSourceOptions lists all seven: Message's relations need Conversation, Post and AdCampaign.
    // A data source name of its own: the entities forFeature registers are kept per name, process-wide.
    @Module({
      imports: [
        TypeOrmModule.forRoot({ name: 'partial', type: 'better-sqlite3', database: ':memory:', autoLoadEntities: true, retryAttempts: 0 }),
        TypeOrmModule.forFeature([User, Message], 'partial'),
      ],
    })
    class PartialModule {}
    await expect(NestFactory.createApplicationContext(PartialModule, { logger: false, abortOnError: false })).rejects.toThrow(
      /Entity metadata for Message#conversation was not found/,
    );
  });
});
