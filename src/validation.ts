import { validate, type ValidationError } from 'class-validator';
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
  if (errors.length > 0) throw new EntityValidationError(entity.constructor.name, flatten(errors));
  return entity;
}

/**
 * Throws {@link EntityValidationError} for one property and rule; for checks
 * that are not class-validator decorators (arguments of repository methods).
 */
export function invalid(entity: string, property: string, rule: string, message: string): never {
  throw new EntityValidationError(entity, [{ property, rules: [rule], messages: [message] }]);
}
