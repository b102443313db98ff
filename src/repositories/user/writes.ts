/**
 * The user row in a write: read under the write lock, then `UPDATE` of the
 * changed columns, as `update` and the audited lead changes do it.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../../dialect/index';
import { User } from '../../entities/user.entity';
import { NotFoundError } from '../../errors';
import type { DatabaseScope } from '../../scope';

/** Reads the user for a change; on PostgreSQL `FOR UPDATE` serialises concurrent changers (SQLite's queue already does). */
export async function lockUser(tx: DatabaseScope, dialect: Dialect, id: number): Promise<User> {
  const qb = tx.manager.createQueryBuilder(User, 'u').where('u.id = :id', { id });
  const user = await dialect.lock(qb, 'write').getOne();
  if (!user) throw new NotFoundError('User', { id });
  return user;
}

/** UPDATE of the given columns; `updated_at` keeps milliseconds on SQLite (TypeORM would write CURRENT_TIMESTAMP). */
export async function writeUser(manager: EntityManager, dialect: Dialect, id: number, values: QueryDeepPartialEntity<User>): Promise<void> {
  const set = dialect.touch(values);
  await manager.createQueryBuilder().update(User).set(set).where('id = :id', { id }).execute();
}
