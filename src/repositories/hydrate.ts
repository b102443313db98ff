import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity from a row as the table stores it (column names), converted the
 * way TypeORM converts a selected row (driver hydration, transformers). Lets a
 * hot path run fixed SQL with `manager.query` (or use what `RETURNING *` gave
 * back) without paying for the query builder's per-call SQL generation and
 * alias-based hydration.
 *
 * @internal
 */
export function hydrateRow<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const metadata = m.connection.getMetadata(target);
  const driver = m.connection.driver;
  const entity = metadata.create(undefined, { fromDeserializer: true }) as T;
  for (const column of metadata.columns) {
    const value = row[column.databaseName];
    if (value === undefined) continue;
    column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
  }
  return entity;
}
