// The built package, loaded the way a service loads it: CommonJS and ESM, by
// file and by package name through the exports map, in child processes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt, ROOT } from '../support/build';
import { engines, pgUrl } from '../support/engines';

const INDEX_CJS = join(DIST, 'index.js');
const INDEX_ESM = pathToFileURL(join(DIST, 'index.mjs')).href;

let tmp: string;
/** A folder whose node_modules/@migochat/db is a symlink to the repository, as after `npm install`. */
let consumer: string;
/** A fresh PostgreSQL database for the children, or '' without PostgreSQL. */
let pgDatabaseUrl = '';
let dropPgDatabase: (() => Promise<void>) | undefined;

interface ChildResult {
  [key: string]: unknown;
}

/** Runs `code` in a fresh Node process (ESM when `module`), returns the JSON of its last stdout line. */
function runChild(code: string, options: { module?: boolean; cwd?: string; env?: Record<string, string> } = {}): ChildResult {
  const args = options.module ? ['--input-type=module', '-e', code] : ['-e', code];
  let out: string;
  try {
    out = execFileSync(process.execPath, args, {
      cwd: options.cwd ?? tmp,
      encoding: 'utf8',
      env: { ...process.env, ...options.env },
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    throw new Error(`child process failed:\n${e.stderr ?? ''}\n${e.stdout ?? ''}`);
  }
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

/** Child code that opens `url` with migrate: true, inserts a user and reads it back. */
function openInsertRead(lib: string, url: string, psid: string, extraFields = ''): string {
  return `
    const db = await ${lib}.openDatabase({ url: ${JSON.stringify(url)}, migrate: true });
    try {
      const saved = await db.manager.save(Object.assign(new ${lib}.User(), { psid: ${JSON.stringify(psid)}, leadStage: ${lib}.LeadStage.HOT }));
      const loaded = await db.manager.findOneByOrFail(${lib}.User, { id: saved.id });
      console.log(JSON.stringify({ ${extraFields}
        engine: db.engine,
        psid: loaded.psid,
        leadStage: loaded.leadStage,
        isUser: loaded instanceof ${lib}.User,
        pending: (await db.pendingMigrations()).length,
      }));
    } finally {
      await db.close();
    }`;
}

beforeAll(async () => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'migochat-dist-'));
  consumer = join(tmp, 'consumer');
  mkdirSync(join(consumer, 'node_modules', '@migochat'), { recursive: true });
  symlinkSync(ROOT, join(consumer, 'node_modules', '@migochat', 'db'), 'dir');
  if (engines().includes('postgres')) {
    const name = `migochat_dist_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new Client({ connectionString: pgUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(pgUrl());
    url.pathname = `/${name}`;
    pgDatabaseUrl = url.toString();
    dropPgDatabase = async () => {
      const cleanup = new Client({ connectionString: pgUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    };
  }
}, 300_000);

afterAll(async () => {
  await dropPgDatabase?.();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the built package', () => {
  it('has every file its exports map, main, types and bin point at', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      bin: Record<string, string>;
      exports: Record<string, string | Record<string, Record<string, string>>>;
    };
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const [subpath, conditions] of Object.entries(pkg.exports)) {
      if (typeof conditions === 'string') continue;
      expect(Object.keys(conditions), subpath).toEqual(['import', 'require']);
      for (const condition of Object.values(conditions)) {
        expect(Object.keys(condition)[0], `${subpath}: types first`).toBe('types');
        targets.push(...Object.values(condition));
      }
    }
    for (const target of targets) expect(existsSync(join(ROOT, target)), target).toBe(true);
  });

  it('loads without ColumnTypeUndefinedError and keeps class names', () => {
    const result = runChild(`
      const lib = require(${JSON.stringify(INDEX_CJS)});
      const ds = lib.createDataSource({ url: 'sqlite::memory:' });
      ds.initialize().then(async () => {
        const names = ds.entityMetadatas.map((m) => m.name).sort();
        await ds.destroy();
        console.log(JSON.stringify({
          names,
          errorName: new lib.ConfigError('url', 'x').name,
          recognised: lib.isMigochatDbError(new lib.NotFoundError('User', { id: 1 })),
        }));
      });
    `);
    expect(result).toEqual({
      names: ['AdCampaign', 'AppSettings', 'Conversation', 'DataErasure', 'LeadActivity', 'Message', 'PendingReceipt', 'Post', 'User'],
      errorName: 'ConfigError',
      recognised: true,
    });
  });
});

describe.each(engines())('the built package on %s', (engine) => {
  const url = (file: string): string => (engine === 'postgres' ? pgDatabaseUrl : `sqlite:${join(tmp, file)}`);

  it('opens a database, migrates and inserts and reads a user through require()', () => {
    const result = runChild(`
      const lib = require(${JSON.stringify(INDEX_CJS)});
      (async () => { ${openInsertRead('lib', url('cjs/crm.db'), `cjs-${engine}`)} })().catch((e) => { console.error(e); process.exit(1); });
    `);
    expect(result).toEqual({ engine, psid: `cjs-${engine}`, leadStage: 'hot', isUser: true, pending: 0 });
  });

  it('opens a database, migrates and inserts and reads a user through import()', () => {
    const result = runChild(
      `
      const lib = await import(${JSON.stringify(INDEX_ESM)});
      ${openInsertRead('lib', url('esm/crm.db'), `esm-${engine}`)}
    `,
      { module: true },
    );
    expect(result).toEqual({ engine, psid: `esm-${engine}`, leadStage: 'hot', isUser: true, pending: 0 });
  });

  it('runs the hot paths (batch and single ingest, inbox, findByPsid, message pages, campaign performance) through require()', () => {
    const result = runChild(`
      const lib = require(${JSON.stringify(INDEX_CJS)});
      (async () => {
        const db = await lib.openDatabase({ url: ${JSON.stringify(url('hot/crm.db'))}, migrate: true });
        try {
          const user = await db.users.findOrCreateByPsid('hot-${engine}');
          const campaign = await db.adCampaigns.upsertByFacebookId({ facebookCampaignId: 'hot-c-${engine}', name: 'Hot', objective: 'MESSAGES', currency: 'EGP' });
          await db.messages.recordInbound({ userId: user.id, source: lib.MessageSource.WHATSAPP, text: 'ad', adCampaignId: campaign.id });
          const batch = await db.messages.recordInboundBatch([
            { userId: user.id, source: lib.MessageSource.MESSENGER, text: 'one', facebookMessageId: 'hot-mid-1-${engine}' },
            { userId: user.id, source: lib.MessageSource.MESSENGER, text: 'two', facebookMessageId: 'hot-mid-2-${engine}' },
            { userId: user.id, source: lib.MessageSource.MESSENGER, text: 'one', facebookMessageId: 'hot-mid-1-${engine}' },
          ]);
          const again = await db.messages.recordInboundDetailed({ userId: user.id, source: lib.MessageSource.MESSENGER, text: 'x', facebookMessageId: 'hot-mid-2-${engine}' });
          const inbox = await db.conversations.inbox({ limit: 5 });
          const found = await db.users.findByPsid('hot-${engine}');
          const page = await db.messages.listForUser(user.id, { limit: 1 });
          const next = await db.messages.listForUser(user.id, { limit: 1, cursor: page.nextCursor });
          console.log(JSON.stringify({
            created: batch.map((r) => r.created),
            messageCount: batch[0].conversation.messageCount,
            again: again.created,
            inboxUser: inbox.items[0].user.psid,
            inboxIsConversation: inbox.items[0] instanceof lib.Conversation,
            lastMessageAt: inbox.items[0].lastMessageAt instanceof Date,
            found: found instanceof lib.User && found.id === user.id,
            pages: [page.items[0].text, next.items[0].text],
            attributed: (await db.adCampaigns.performance(campaign.id)).attributedMessages,
          }));
        } finally {
          await db.close();
        }
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    expect(result).toEqual({
      created: [true, true, false],
      messageCount: 2,
      again: false,
      inboxUser: `hot-${engine}`,
      inboxIsConversation: true,
      lastMessageAt: true,
      found: true,
      pages: ['two', 'one'],
      attributed: 1,
    });
  });

  it('searches messages and conversations, Arabic included, and publishes live events through require()', () => {
    const result = runChild(`
      const lib = require(${JSON.stringify(INDEX_CJS)});
      (async () => {
        const db = await lib.openDatabase({ url: ${JSON.stringify(url('search/crm.db'))}, migrate: true, events: true });
        try {
          const events = [];
          const unsubscribe = db.events.subscribe({ types: ['message.recorded'] }, (e) => events.push(e.type));
          await db.events.ready();
          const user = await db.users.findOrCreateByPsid('search-${engine}');
          await db.messages.recordInbound({ userId: user.id, source: lib.MessageSource.WHATSAPP, text: 'الســعر كام للمقاس XL؟', whatsappMessageId: 'wamid.search-1-${engine}' });
          await db.messages.recordInbound({ userId: user.id, source: lib.MessageSource.WHATSAPP, text: 'السعر ٤٥٠؟', whatsappMessageId: 'wamid.search-2-${engine}' });
          const first = await db.messages.search('السعر', { limit: 1 });
          const second = await db.messages.search('السعر', { limit: 1, cursor: first.nextCursor });
          const digits = await db.messages.search('450');
          const hits = await db.conversations.search('xl');
          let refused = null;
          try { await db.messages.search('   '); } catch (e) { refused = [e.constructor.name, e.issues[0].property, e.issues[0].rules[0]]; }
          for (let i = 0; i < 100 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
          unsubscribe();
          console.log(JSON.stringify({
            pages: [first.items.length, second.items.length, second.nextCursor],
            isMessage: first.items[0] instanceof lib.Message,
            digits: digits.items.map((m) => m.text),
            snippet: hits.items.map((h) => [h.conversation instanceof lib.Conversation, h.snippet.highlights.map(([a, b]) => h.snippet.text.slice(a, b))]),
            window: lib.SEARCH_WINDOW,
            refused,
            events,
          }));
        } finally {
          await db.close();
        }
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    expect(result).toEqual({
      pages: [1, 1, null],
      isMessage: true,
      digits: ['السعر ٤٥٠؟'],
      snippet: [[true, ['XL']]],
      window: 300,
      refused: ['EntityValidationError', 'query', 'hasSearchWord'],
      events: ['message.recorded', 'message.recorded'],
    });
  });

  it('opens a database by package name, with require() and import() sharing one User', () => {
    const result = runChild(
      `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cjs = require('@migochat/db');
      const esm = await import('@migochat/db');
      const lib = esm;
      ${openInsertRead(
        'lib',
        url('by-name/crm.db'),
        `by-name-${engine}`,
        'sameUser: cjs.User === esm.User, viaCjs: (await db.manager.findOneByOrFail(cjs.User, { id: saved.id })).psid,',
      )}
    `,
      { module: true, cwd: consumer },
    );
    expect(result).toEqual({
      sameUser: true,
      viaCjs: `by-name-${engine}`,
      engine,
      psid: `by-name-${engine}`,
      leadStage: 'hot',
      isUser: true,
      pending: 0,
    });
  });
});

describe('one copy of each class', () => {
  it('require(dist/index.js).User === (await import(dist/index.mjs)).User in one process', () => {
    const result = runChild(`
      const cjs = require(${JSON.stringify(INDEX_CJS)});
      import(${JSON.stringify(INDEX_ESM)}).then((esm) => {
        console.log(JSON.stringify({
          user: esm.User === cjs.User,
          enums: esm.LeadStage === cjs.LeadStage,
          errors: esm.NotFoundError === cjs.NotFoundError,
          openDatabase: esm.openDatabase === cjs.openDatabase,
        }));
      });
    `);
    expect(result).toEqual({ user: true, enums: true, errors: true, openDatabase: true });
  });

  it('resolves @migochat/db, @migochat/db/entities, @migochat/db/testing and @migochat/db/typeorm through the exports map to the same classes', () => {
    const result = runChild(
      `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const main = { cjs: require('@migochat/db'), esm: await import('@migochat/db') };
      const entities = { cjs: require('@migochat/db/entities'), esm: await import('@migochat/db/entities') };
      const testing = { cjs: require('@migochat/db/testing'), esm: await import('@migochat/db/testing') };
      const typeorm = { cjs: require('@migochat/db/typeorm'), esm: await import('@migochat/db/typeorm') };
      console.log(JSON.stringify({
        resolved: ['@migochat/db', '@migochat/db/entities', '@migochat/db/testing', '@migochat/db/typeorm'].map((p) => require.resolve(p)),
        users: [main.esm.User, entities.cjs.User, entities.esm.User].every((u) => u === main.cjs.User),
        stages: entities.esm.LeadStage === main.cjs.LeadStage,
        testing: typeof testing.cjs.createTestDatabase === 'function' && testing.esm.createTestDatabase === testing.cjs.createTestDatabase,
        entityList: typeorm.esm.ENTITIES === main.cjs.ENTITIES && typeorm.cjs.ENTITIES.includes(main.esm.User),
        migrations: typeorm.esm.MIGRATIONS === typeorm.cjs.MIGRATIONS && typeorm.cjs.MIGRATIONS.map((m) => m.name),
        naming: new typeorm.esm.SnakeNamingStrategy() instanceof typeorm.cjs.SnakeNamingStrategy && typeorm.esm.snakeCase('leadStage'),
        repositoryBase: Object.getPrototypeOf(main.esm.UserRepository) === typeorm.cjs.EntityRepository,
      }));
    `,
      { module: true, cwd: consumer },
    );
    expect(result).toEqual({
      resolved: [join(DIST, 'index.js'), join(DIST, 'entities.js'), join(DIST, 'testing.js'), join(DIST, 'typeorm.js')],
      users: true,
      stages: true,
      testing: true,
      entityList: true,
      migrations: ['InitialSchema1763900000000', 'MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000'],
      naming: 'lead_stage',
      repositoryBase: true,
    });
  });

  it('moved the TypeORM plumbing out of @migochat/db into @migochat/db/typeorm', () => {
    const moved = [
      'adaptDriverTypes',
      'columnTypeFor',
      'engineOf',
      'TIMESTAMP',
      'JSON_COLUMN',
      'SnakeNamingStrategy',
      'snakeCase',
      'resolveDatabaseOptions',
      'parseDatabaseUrl',
      'MIGRATIONS',
      'InitialSchema1763900000000',
      'EntityRepository',
      'validateEntity',
    ];
    const result = runChild(
      `
      const main = require('@migochat/db');
      const typeorm = require('@migochat/db/typeorm');
      const moved = ${JSON.stringify(moved)};
      console.log(JSON.stringify({
        inMain: moved.filter((n) => n in main),
        inTypeorm: moved.filter((n) => n in typeorm),
        lineReader: ['readLines'].filter((n) => n in main),
      }));
    `,
      { cwd: consumer },
    );
    expect(result).toEqual({ inMain: [], inTypeorm: moved, lineReader: [] });
  });

  it('recognises an error thrown by the ESM entry with the CJS isMigochatDbError', () => {
    const result = runChild(
      `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cjs = require('@migochat/db');
      const esm = await import('@migochat/db');
      let caught;
      try { esm.parseEnum(esm.LeadStage, 'bogus'); } catch (e) { caught = e; }
      console.log(JSON.stringify({ ours: cjs.isMigochatDbError(caught), code: caught.code, name: caught.name, enumName: caught.enumName, instance: caught instanceof cjs.InvalidEnumValueError }));
    `,
      { module: true, cwd: consumer },
    );
    expect(result).toEqual({ ours: true, code: 'INVALID_ENUM_VALUE', name: 'InvalidEnumValueError', enumName: 'LeadStage', instance: true });
  });
});

describe('the declarations', () => {
  it('type-check a consumer that imports and requires the package by name (NodeNext)', () => {
    const dir = join(consumer, 'types');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const body = (imports: string): string => `${imports}
const stage: LeadStage = LeadStage.CLOSED_WON;
const name: string | null = enumToName(LeadStage, stage);
const opened: Promise<Database> = openDatabase({ url: 'sqlite::memory:', migrate: true });
const user: User = Object.assign(new User(), { psid: 'p' });
const entityUser: typeof User = EntityUser;
export { name, opened, user, entityUser };
`;
    writeFileSync(
      join(dir, 'esm.mts'),
      body(`import { openDatabase, LeadStage, User, type Database } from '@migochat/db';
import { User as EntityUser, enumToName } from '@migochat/db/entities';
import { columnTypeFor, TIMESTAMP, type RepositoryContext } from '@migochat/db/typeorm';
export const timestamp: string = columnTypeFor('postgres', TIMESTAMP);
export type Context = RepositoryContext['engine'];`),
    );
    writeFileSync(
      join(dir, 'cjs.cts'),
      body(`import { openDatabase, LeadStage, User, type Database } from '@migochat/db';
import { User as EntityUser, enumToName } from '@migochat/db/entities';
import type { createTestDatabase } from '@migochat/db/testing';
import { ENTITIES, MIGRATIONS, SnakeNamingStrategy, type EntityRepository } from '@migochat/db/typeorm';
export type Factory = typeof createTestDatabase;
export const plain = { entities: [...ENTITIES], migrations: [...MIGRATIONS], namingStrategy: new SnakeNamingStrategy() };
export const base = async (db: Database): Promise<EntityRepository<User>> => db.users;`),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    } catch (error) {
      output = (error as { stdout?: string }).stdout ?? String(error);
    }
    expect(output).toBe('');
  });
});

describe('@migochat/db/entities', () => {
  /** Child code that records every module loaded (Module._load) while `load` runs, and reports the drivers among them. */
  const driverProbe = (load: string, module: boolean): string => `
    ${module ? "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" : ''}
    const Module = require('node:module');
    const requested = [];
    const originalLoad = Module._load;
    Module._load = function (request, ...rest) { requested.push(request); return originalLoad.call(this, request, ...rest); };
    const report = (lib) => {
      const files = Object.keys(require.cache);
      const isDriver = (p) => /(^|[\\\\/]node_modules[\\\\/])(pg|better-sqlite3)([\\\\/]|$)/.test(p);
      console.log(JSON.stringify({
        requested: requested.filter(isDriver),
        cached: files.filter(isDriver),
        stage: lib.LeadStage.CLOSED_WON,
        user: typeof lib.User,
        name: lib.enumToName(lib.LeadStage, 'closed_won'),
      }));
    };
    ${load}
  `;

  it('loads neither pg nor better-sqlite3 through require()', () => {
    const result = runChild(driverProbe("report(require('@migochat/db/entities'));", false), { cwd: consumer });
    expect(result).toEqual({ requested: [], cached: [], stage: 'closed_won', user: 'function', name: 'CLOSED_WON' });
  });

  it('loads neither pg nor better-sqlite3 through import()', () => {
    const result = runChild(driverProbe("report(await import('@migochat/db/entities'));", true), { module: true, cwd: consumer });
    expect(result).toEqual({ requested: [], cached: [], stage: 'closed_won', user: 'function', name: 'CLOSED_WON' });
  });

  it('the probe does see a driver load (so an empty list above means something)', () => {
    const result = runChild(
      driverProbe(
        "const lib = require('@migochat/db'); lib.createDataSource({ url: 'postgres://u:p@127.0.0.1:1/db' }); report(lib);",
        false,
      ),
      { cwd: consumer },
    );
    expect((result['requested'] as string[]).some((r) => /(^|[\\/])pg$/.test(r))).toBe(true);
  });
});

describe.runIf(process.getuid?.() === 0)('the built package under faults', () => {
  it('keeps exactly the acknowledged writes on a full disk and fails the rest, deleted files and misuse typed (SQLite, require())', () => {
    const mount = mkdtempSync(join(tmpdir(), 'migochat-dist-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
    try {
      const result = runChild(`
        const lib = require(${JSON.stringify(INDEX_CJS)});
        const fs = require('node:fs');
        (async () => {
          const url = 'sqlite:' + ${JSON.stringify(join(mount, 'crm.db'))};
          const db = await lib.openDatabase({ url, migrate: true });
          const user = await db.users.findOrCreateByPsid('dist-full');
          const acked = []; const codes = new Set(); let fails = 0;
          for (let i = 0; i < 2000 && fails < 30; i++) {
            try { await db.messages.recordInbound({ userId: user.id, source: lib.MessageSource.MESSENGER, text: 'x'.repeat(3000), facebookMessageId: 'd' + i }); acked.push('d' + i); fails = 0; }
            catch (e) { codes.add(lib.isMigochatDbError(e) ? e.code : 'untyped'); fails++; }
          }
          const scope = await db.transaction(() => db.users.findById(1)).then(() => 'resolved', (e) => e.code);
          await db.close();
          const closed = await db.users.findById(1).then(() => 'resolved', (e) => e.code);
          const again = await lib.openDatabase({ url });
          const rows = await again.dataSource.query('SELECT "facebook_message_id" AS id FROM "messages"');
          for (const s of ['', '-wal', '-shm']) fs.rmSync(${JSON.stringify(join(mount, 'crm.db'))} + s, { force: true });
          const deleted = await again.users.create({ psid: 'after-delete' }).then(() => 'resolved', (e) => e.code);
          await again.close();
          const stored = new Set(rows.map((r) => r.id));
          console.log(JSON.stringify({ acked: acked.length, same: acked.length === stored.size && acked.every((id) => stored.has(id)), codes: [...codes], scope, closed, deleted }));
        })().catch((e) => { console.error(e); process.exit(1); });
      `);
      expect(result['same']).toBe(true);
      expect(result['acked']).toBeGreaterThan(0);
      expect(result['codes']).toEqual(['STORAGE_FULL']);
      expect(result).toMatchObject({ scope: 'TRANSACTION_SCOPE', closed: 'DATABASE_CLOSED', deleted: 'STORAGE_ERROR' });
    } finally {
      execFileSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });
});
