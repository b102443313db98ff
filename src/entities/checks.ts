/** SQL for a CHECK that keeps a column within an enum's values; the same text on both engines. */
export function enumCheck(column: string, values: Record<string, string> | readonly string[]): string {
  const list = (Array.isArray(values) ? values : Object.values(values)) as readonly string[];
  return `"${column}" IN (${list.map((v) => `'${v}'`).join(', ')})`;
}

/** SQL for a CHECK that keeps a counter non-negative. */
export function nonNegativeCheck(column: string): string {
  return `"${column}" >= 0`;
}

/**
 * `ValidateIf` condition for a column with a database default: `undefined`
 * means "let the default apply", anything else (null included) is validated.
 */
export function usesDefaultUnlessSet(_object: object, value: unknown): boolean {
  return value !== undefined;
}
