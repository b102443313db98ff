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
