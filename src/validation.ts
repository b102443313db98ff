import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { EntityValidationError, type ValidationIssue } from './errors';

function flatten(errors: ValidationError[], prefix = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const property = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      issues.push({ property, rules: Object.keys(error.constraints), messages: Object.values(error.constraints) });
    }
    if (error.children?.length) issues.push(...flatten(error.children, property));
  }
  return issues;
}

/**
 * `@MaxLength` of class-validator does not count U+FE0E/U+FE0F after a
 * character, while PostgreSQL's varchar(n) counts every code point: recount
 * in code points so an over-long value is refused before SQL on both engines.
 */
function codePointIssues(entity: object, already: ValidationIssue[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(entity.constructor, '', true, false);
  for (const m of metadata) {
    if (m.name !== 'maxLength' || already.some((i) => i.property === m.propertyName)) continue;
    const value: unknown = (entity as Record<string, unknown>)[m.propertyName];
    const max = Number(m.constraints?.[0]);
    if (typeof value === 'string' && [...value].length > max && !issues.some((i) => i.property === m.propertyName)) {
      issues.push({ property: m.propertyName, rules: ['maxLength'], messages: [`${m.propertyName} must be shorter than or equal to ${max} characters`] });
    }
  }
  return issues;
}

/**
 * Validates an entity instance with its class-validator decorators.
 *
 * @throws {@link EntityValidationError} listing every property and broken rule.
 * @example
 * ```ts
 * const user = Object.assign(new User(), { psid: 'p1', email: 'not-an-email' });
 * await validateEntity(user); // throws: Invalid User: email (isEmail)
 * ```
 */
export async function validateEntity<T extends object>(entity: T): Promise<T> {
  const errors = await validate(entity, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  const issues = flatten(errors);
  issues.push(...codePointIssues(entity, issues));
  if (issues.length > 0) throw new EntityValidationError(entity.constructor.name, issues);
  return entity;
}

/**
 * Throws {@link EntityValidationError} for one property and rule; for checks
 * that are not class-validator decorators (arguments of repository methods).
 */
export function invalid(entity: string, property: string, rule: string, message: string): never {
  throw new EntityValidationError(entity, [{ property, rules: [rule], messages: [message] }]);
}
