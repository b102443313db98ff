// One transaction idiom: a scope's transaction types driver errors itself, also when it joins a caller's transaction.
import { describe, expect, it } from 'vitest';
import { NotFoundError, UniqueConstraintError } from '../src/errors';
import type { DatabaseScope } from '../src/scope';
import { useTestDatabase } from './support/database';
import { engines } from './support/engines';

class RollBack extends Error {}

describe.each(engines())('Scope.transaction on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('types a driver error raised on the manager of a joined transaction', async () => {
    await suite.db.users.findOrCreateByPsid(`scope-${engine}-taken`);
    let inner: unknown;
    const outer = await suite.db
      .transaction(async (tx) => {
        inner = await tx
          .transaction((joined) => joined.manager.query(`INSERT INTO "users" ("psid") VALUES ('scope-${engine}-taken')`))
          .catch((e: unknown) => e);
        throw new RollBack('roll back');
      })
      .catch((e: unknown) => e);
    expect(outer).toBeInstanceOf(RollBack);
    expect(inner).toBeInstanceOf(UniqueConstraintError);
    expect((inner as UniqueConstraintError).cause).toBeDefined();
  });

  it('types a repository write that joins the caller transaction, and passes our own errors through', async () => {
    const a = await suite.db.users.findOrCreateByPsid(`scope-${engine}-a`);
    const b = await suite.db.users.findOrCreateByPsid(`scope-${engine}-b`);
    // Caught inside the caller's transaction, before the database's transaction could type it.
    const inside = async (call: (tx: DatabaseScope) => Promise<unknown>): Promise<unknown> => {
      let seen: unknown;
      await suite.db
        .transaction(async (tx) => {
          seen = await call(tx).catch((e: unknown) => e);
          throw new RollBack('roll back');
        })
        .catch(() => undefined);
      return seen;
    };
    expect(await inside((tx) => tx.users.update(b.id, { psid: a.psid }))).toBeInstanceOf(UniqueConstraintError);
    expect(await inside((tx) => tx.users.update(999_999, { firstName: 'x' }))).toBeInstanceOf(NotFoundError);
    expect((await suite.db.users.getById(b.id)).psid).toBe(b.psid);
  });

  it('returns what the joined callback returns, in the same transaction', async () => {
    const result = await suite.db.transaction(async (tx) => tx.transaction(async (joined) => ({ same: joined === tx, value: 42 })));
    expect(result).toEqual({ same: true, value: 42 });
  });
});
