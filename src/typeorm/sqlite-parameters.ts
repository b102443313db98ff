import type { DataSource, ObjectLiteral } from 'typeorm';

/**
 * Parameters as SQLite should get them. better-sqlite3 binds every JS number
 * as a REAL; a whole number goes in as a BigInt instead, which it binds as an
 * INTEGER, so a bound `5` means what the literal `5` means: `"lead_score" / 2`
 * stays integer division, and a TEXT column compared with it matches `'5'`,
 * not `'5.0'`. Booleans become 1/0, as TypeORM binds them.
 * @internal
 */
export function sqliteParameters(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : typeof p === 'number' && Number.isSafeInteger(p) ? BigInt(p) : p));
}

/**
 * SQLite: numbers in query-builder SQL become bound parameters. TypeORM's
 * SQLite driver writes them into the SQL text, so `WHERE "id" = 7` and
 * `WHERE "id" = 8` are two statements: each call prepares a new one and
 * churns the runner's statement cache, which costs more than the query. Bound,
 * one prepared statement serves every id.
 */
export function bindNumbersAsParameters(driver: DataSource['driver']): void {
  const escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql: string, parameters: ObjectLiteral): [string, unknown[]] => {
    let boxed: ObjectLiteral | null = null;
    for (const [key, value] of Object.entries(parameters)) {
      if (typeof value === 'number') (boxed ??= { ...parameters })[key] = new BoundNumber(value);
    }
    if (boxed === null) return escape(sql, parameters);
    // A box is neither a number nor a function, so TypeORM binds it; unbox for the driver.
    const [text, values] = escape(sql, boxed);
    return [text, values.map((v: unknown) => (v instanceof BoundNumber ? v.value : v))];
  };
}

class BoundNumber {
  constructor(readonly value: number) {}
}
