import { describe, expect, it, vi } from 'vitest';
import { AppSettings } from '../src/entities/app-settings.entity';
import { User } from '../src/entities/user.entity';
import { isMigochatDbError, TransactionConflictError } from '../src/errors';
import type { Database } from '../src/database';
import { openDatabase } from '../src/database';
import { useTestDatabase } from './support/database';
import { engines } from './support/engines';

const newUser = (psid: string): User => Object.assign(new User(), { psid });

describe.each(engines())('Database on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('rolls back every write of a transaction whose callback throws, and rethrows', async () => {
    const before = await suite.db.manager.count(User);
    const boom = new Error('boom');
    await expect(
      suite.db.transaction(async (tx) => {
        await tx.manager.save(newUser('rollback-1'));
        await tx.manager.save(newUser('rollback-2'));
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await suite.db.manager.count(User)).toBe(before);
  });

  it('commits a transaction and returns its callback result', async () => {
    const id = await suite.db.transaction(async (tx) => (await tx.manager.save(newUser('commit-1'))).id);
    expect((await suite.db.users.getById(id)).psid).toBe('commit-1');
  });

  it('joins the outer transaction when tx.transaction is called inside it', async () => {
    await expect(
      suite.db.transaction(async (tx) => {
        await tx.transaction(async (inner) => {
          expect(inner.manager).toBe(tx.manager);
          await inner.manager.save(newUser('nested-1'));
        });
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await suite.db.manager.countBy(User, { psid: 'nested-1' })).toBe(0);
  });

  it('runs 200 concurrent transactions without interleaving them', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        suite.db.transaction(async (tx) => {
          await tx.manager.save(newUser(`concurrent-${i}`));
          if (i % 10 === 0) throw new Error(`fail ${i}`);
          await tx.manager.save(newUser(`concurrent-b-${i}`));
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(20);
    const count = await suite.db.manager
      .createQueryBuilder(User, 'u')
      .where('u.psid LIKE :p', { p: 'concurrent-%' })
      .getCount();
    expect(count).toBe(180 * 2);
  });

  it('keeps a repository read that runs while another transaction is open out of that transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const tx = suite.db
      .transaction(async (t) => {
        await t.manager.save(newUser('isolation-1'));
        entered();
        await gate;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    if (engine === 'postgres') await inside;
    const write = suite.db.users.findById(999_999).then(() => suite.db.manager.save(newUser('isolation-2')));
    release();
    expect(await tx).toBe('rolled back');
    await write;
    expect(await suite.db.manager.countBy(User, { psid: 'isolation-1' })).toBe(0);
    expect(await suite.db.manager.countBy(User, { psid: 'isolation-2' })).toBe(1);
  });

  it('retries a transaction that hits a write conflict and then succeeds', async () => {
    let attempts = 0;
    const result = await suite.db.transaction(
      async () => {
        attempts++;
        if (attempts < 3) throw Object.assign(new Error('conflict'), { code: engine === 'postgres' ? '40001' : 'SQLITE_BUSY' });
        return 'done';
      },
      { retries: 5 },
    );
    expect(result).toBe('done');
    expect(attempts).toBe(3);
  });

  it('gives up with TransactionConflictError after the allowed retries', async () => {
    let attempts = 0;
    const error = await suite.db
      .transaction(
        async () => {
          attempts++;
          throw Object.assign(new Error('deadlock detected'), { code: engine === 'postgres' ? '40P01' : 'SQLITE_BUSY' });
        },
        { retries: 2 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionConflictError);
    expect(isMigochatDbError(error) && error.code).toBe('TRANSACTION_CONFLICT');
    expect((error as TransactionConflictError).attempts).toBe(3);
    expect(attempts).toBe(3);
  });

  it('reports no pending migrations once migrated', async () => {
    expect(await suite.db.pendingMigrations()).toEqual([]);
    expect(await suite.db.migrate()).toEqual([]);
  });
});

describe.runIf(engines().includes('postgres'))('Database on postgres, serializable', () => {
  const suite = useTestDatabase('postgres');

  it('retries a real serialization failure so both read-modify-write transactions count', async () => {
    await suite.db.settings.set('counter', 0);
    let waiting = 0;
    let open!: () => void;
    const bothRead = new Promise<void>((resolve) => (open = resolve));
    let attempts = 0;
    const increment = () =>
      suite.db.transaction(
        async (tx) => {
          attempts++;
          const row = await tx.manager.findOneByOrFail(AppSettings, { key: 'counter' });
          if (++waiting === 2) open();
          await Promise.race([bothRead, new Promise((r) => setTimeout(r, 500))]);
          row.value = String(Number(row.value) + 1);
          await tx.manager.save(row);
        },
        { isolation: 'SERIALIZABLE', retries: 10 },
      );
    await Promise.all([increment(), increment()]);
    const final = await suite.db.manager.findOneByOrFail(AppSettings, { key: 'counter' });
    expect(final.value).toBe('2');
    expect(attempts).toBeGreaterThan(2);
  });
});

describe('openDatabase', () => {
  it('lists the initial migration as pending when opened without migrate', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:' });
    try {
      expect((await db.pendingMigrations()).map((m) => m.name)).toEqual(['InitialSchema1763900000000', 'MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
      expect(await db.migrate()).toEqual(['InitialSchema1763900000000', 'MessageKindsAndReceipts1764000000000', 'DataErasures1764100000000', 'MessageSearch1764200000000', 'DomainEvents1764300000000']);
      expect(await db.pendingMigrations()).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('SQLite transactions', () => {
  it('begin IMMEDIATE so a read-then-write transaction waits for other processes instead of failing', async () => {
    const logged: string[] = [];
    // Strip colours: under CI=true TypeORM highlights SQL keywords with ANSI codes.
    const plain = (args: unknown[]) => args.map(String).join(' ').replace(/\u001b\[[0-9;]*m/g, '');
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(plain(args)));
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true, logging: ['query'] });
    try {
      logged.length = 0;
      await db.transaction(async (tx) => {
        await tx.manager.count(User);
        await tx.manager.save(newUser('immediate-1'));
      });
    } finally {
      spy.mockRestore();
      await db.close();
    }
    expect(logged.some((l) => l.includes('BEGIN IMMEDIATE'))).toBe(true);
    expect(logged.some((l) => l.includes('BEGIN TRANSACTION'))).toBe(false);
  });
});

describe.runIf(engines().includes('postgres'))('PostgreSQL pool under load', () => {
  const suite = useTestDatabase('postgres', { options: { poolSize: 1, connectTimeoutMs: 300 } });

  it('lets callers wait for a busy pool longer than the connect timeout', async () => {
    const slow = suite.db.transaction((tx) => tx.manager.query('SELECT pg_sleep(1)'));
    const waiting = suite.db.transaction((tx) => tx.manager.query('SELECT 1 AS "one"'));
    await expect(slow).resolves.toBeDefined();
    await expect(waiting).resolves.toEqual([{ one: 1 }]);
  });
});
