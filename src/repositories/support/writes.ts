/**
 * Writes shared by the repositories: race-safe upserts, updates that keep
 * `updated_at` to the millisecond, and building validated entities.
 *
 * @internal
 * @module
 */
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Dialect } from '../../dialect/index';
import type { TimestampedEntity } from '../../entities/base-record';
import { validateEntity } from '../../validation';

/**
 * An entity of class `entity` with `values`, validated.
 *
 * @throws {@link EntityValidationError} for broken rules.
 */
export async function validated<T extends object>(entity: new () => T, values: Partial<T>): Promise<T> {
  return validateEntity(Object.assign(new entity(), values));
}

/**
 * `INSERT ... ON CONFLICT (<key>) DO UPDATE SET` the given columns and
 * `updated_at`: one atomic statement on both engines. `values` holds only the
 * properties the caller set, so the database defaults apply on insert and
 * untouched columns keep their stored value on update. `guard` is SQL that
 * must hold for the conflicting row to be updated; pass it through
 * {@link Dialect.upsertGuard}, which keeps it where concurrent writers need it.
 */
export async function upsertRow<T extends TimestampedEntity>(
  manager: EntityManager,
  entity: new () => T,
  values: Record<string, unknown>,
  key: keyof T & string,
  options: { guard?: string | undefined } = {},
): Promise<void> {
  const metadata = manager.connection.getMetadata(entity);
  const column = (property: string): string => {
    const found = metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`${entity.name} has no column for ${property}`);
    return found.databaseName;
  };
  // EXCLUDED.updated_at is the new row's default (now), so updates refresh it on both engines.
  const overwrite = [...Object.keys(values).filter((p) => p !== key).map(column), column('updatedAt')];
  await manager
    .createQueryBuilder()
    .insert()
    .into(entity)
    .values(values as QueryDeepPartialEntity<T>)
    .orUpdate(overwrite, [column(key)], options.guard ? { overwriteCondition: { where: options.guard } } : undefined)
    .updateEntity(false)
    .execute();
}

/**
 * UPDATE of the given columns where `where` matches; `updated_at` keeps
 * milliseconds on SQLite (TypeORM alone would write whole seconds): see {@link Dialect.touch}.
 */
export async function updateRow<T extends TimestampedEntity>(
  manager: EntityManager,
  dialect: Dialect,
  entity: new () => T,
  where: Record<string, unknown>,
  values: Record<string, unknown>,
): Promise<void> {
  const set = dialect.touch(values) as QueryDeepPartialEntity<T>;
  await manager.createQueryBuilder().update(entity).set(set).where(where).execute();
}
