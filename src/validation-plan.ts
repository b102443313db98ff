/**
 * A validation plan per entity class, built once from class-validator's own
 * metadata: the same decorators, run with the same constraint instances, but
 * without what `validate()` does on every call (filtering the whole metadata
 * store, an error object per property, a promise per call). It only answers
 * "does this entity pass"; a failure (or anything the plan cannot decide)
 * takes class-validator's path, which builds the exact issues. So the plan
 * can make valid input cheaper, never change what is accepted.
 *
 * @internal
 * @module
 */
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

/** One decorator of a property: its constraint instances and options. */
interface Check {
  readonly property: string;
  readonly constraints: unknown[];
  readonly each: boolean;
  readonly validateIf: ((object: object, value: unknown) => boolean) | undefined;
  readonly validators: ReadonlyArray<{ validate(value: unknown, args: ValidationArguments): unknown }>;
}

/** Every decorator of one property, in the groups class-validator runs them in. */
interface PropertyPlan {
  readonly name: string;
  /** `@ValidateIf` / `@IsOptional`: the property is checked only when all hold. */
  readonly conditions: ReadonlyArray<(object: object, value: unknown) => boolean>;
  /** `@IsDefined`: after the conditions, before the rest, as class-validator runs it. */
  readonly defined: readonly Check[];
  readonly custom: readonly Check[];
  /** Nested or promise validation: left to class-validator when the value is set. */
  readonly delegated: boolean;
}

/** `null` for a class the plan cannot run (async constraints): always class-validator's path. */
type Plan = readonly PropertyPlan[] | null;

const plans = new WeakMap<Function, Plan>();

/**
 * Whether `entity` passes every class-validator decorator of its class:
 * `true` when it does, `false` when one fails or the plan cannot tell (then
 * run class-validator for the verdict and the issues).
 *
 * @internal
 */
export function passesDecorators(entity: object): boolean {
  const ctor = entity.constructor;
  let plan = plans.get(ctor);
  if (plan === undefined) plans.set(ctor, (plan = planFor(ctor)));
  if (plan === null) return false;
  const values = entity as Record<string, unknown>;
  for (const property of plan) {
    const value = values[property.name];
    let applies = true;
    for (const condition of property.conditions) if (!condition(entity, value)) applies = false;
    if (!applies) continue;
    if (!runChecks(entity, value, property.defined)) return false;
    if (!runChecks(entity, value, property.custom)) return false;
    if (property.delegated && value !== undefined) return false;
  }
  return true;
}

function runChecks(entity: object, value: unknown, checks: readonly Check[]): boolean {
  for (const check of checks) {
    if (check.validateIf && !check.validateIf(entity, value)) continue;
    const args: ValidationArguments = { targetName: entity.constructor.name, property: check.property, object: entity, value, constraints: check.constraints };
    for (const validator of check.validators) {
      if (check.each && (Array.isArray(value) || value instanceof Set || value instanceof Map)) {
        const items: unknown[] = value instanceof Map ? [...value.values()] : [...(value as Iterable<unknown>)];
        for (const item of items) if (validator.validate(item, args) !== true) return false;
      } else if (validator.validate(value, args) !== true) {
        // A promise (an async validator) is not `true` either: class-validator decides.
        return false;
      }
    }
  }
  return true;
}

/** The plan of a class, with exactly the metadata `validate()` uses under this project's options (no groups). */
function planFor(ctor: Function): Plan {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(ctor, '', false, false, undefined);
  const grouped = storage.groupByPropertyName(metadatas);
  const out: PropertyPlan[] = [];
  for (const name of Object.keys(grouped)) {
    const conditions: Array<(object: object, value: unknown) => boolean> = [];
    const defined: Check[] = [];
    const custom: Check[] = [];
    let delegated = false;
    for (const metadata of grouped[name]!) {
      switch (metadata.type) {
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
          if (constraints.some((c) => c.async)) return null;
          (metadata.type === ValidationTypes.IS_DEFINED ? defined : custom).push({
            property: metadata.propertyName,
            constraints: metadata.constraints,
            each: metadata.each,
            validateIf: metadata.validateIf,
            validators: constraints.map((c) => c.instance as Check['validators'][number]),
          });
          break;
        }
        case ValidationTypes.WHITELIST:
          break;
        default:
          // Nested, promise or any type this plan does not know: class-validator's path.
          delegated = true;
      }
    }
    out.push({ name, conditions, defined, custom, delegated });
  }
  return out;
}
