import { expect } from 'vitest';
import { EntityValidationError } from '../../src/errors';

/** Awaits a promise that must reject, and returns what it rejected with; a promise that resolves fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Awaits a promise that must reject with an EntityValidationError, and returns that error. */
export async function validationIssue(promise: Promise<unknown>): Promise<EntityValidationError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(EntityValidationError);
  return error as EntityValidationError;
}

/** The property and first rule of the first issue of a call that must reject with an EntityValidationError. */
export async function firstIssue(promise: Promise<unknown>): Promise<{ property: string; rule: string | undefined }> {
  const issue = (await validationIssue(promise)).issues[0]!;
  return { property: issue.property, rule: issue.rules[0] };
}

/** Awaits a call that must reject with an EntityValidationError naming `property` among its issues, and returns that error. */
export async function expectValidationError(promise: Promise<unknown>, property: string): Promise<EntityValidationError> {
  const error = await validationIssue(promise);
  expect(error.issues.map((i) => i.property)).toContain(property);
  return error;
}
