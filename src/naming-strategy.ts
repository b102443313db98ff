import { DefaultNamingStrategy, type NamingStrategyInterface } from 'typeorm';

/**
 * Converts a property name to its column name.
 *
 * @example
 * ```ts
 * snakeCase('leadStage'); // 'lead_stage'
 * ```
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Maps camelCase properties to snake_case columns, the convention of every
 * table in this schema.
 */
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  /** `customName`, or the snake_case of the (prefixed) property name. */
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return customName ?? snakeCase([...prefixes, propertyName].join('_'));
  }

  /** The snake_case of the relation property. */
  override relationName(propertyName: string): string {
    return snakeCase(propertyName);
  }

  /** `<relation>_<referenced column>` in snake_case, e.g. `user_id`. */
  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snakeCase(`${relationName}_${referencedColumnName}`);
  }
}
