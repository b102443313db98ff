import { expect } from 'vitest';
import { EntityValidationError } from '../../src/errors';

/** Awaits a promise that must reject with an EntityValidationError, and returns that error. */
export async function validationIssue(promise: Promise<unknown>): Promise<EntityValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EntityValidationError);
  return error as EntityValidationError;
}
