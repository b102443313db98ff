/**
 * The checks of `MessageRepository.applyStatus`: a {@link StatusReceipt}
 * becomes a checked receipt, or the reason it is ignored, before any SQL runs.
 *
 * @internal
 * @module
 */
import type { Dialect } from '../../dialect/index';
import { MessageStatus } from '../../enums';
import { isEnumValue } from '../../enum-utils';
import { describeValue, invalid } from '../../validation';
import type { StatusReceipt } from '../message.types';
import { checkInteger, checkKey, checkObject, checkPlatformTime, checkText } from '../support/checks';
import { ERROR_TITLE_LENGTH, EXTERNAL_ID_LENGTH, type CheckedReceipt, type ReceiptFailure } from './receipts';

/** A status longer than this is described, not quoted, in the reason it is ignored. */
const STATUS_QUOTED = 32;
/** The most errors one receipt may list (WhatsApp sends one). */
const MAX_ERRORS = 100;

const TRACKED = Object.values(MessageStatus).join(', ');

/** The receipt checked, or why it is ignored (an unknown status). */
export function checkStatusReceipt(receipt: unknown, dialect: Dialect): { messageId: string; receipt: CheckedReceipt } | { ignored: string } {
  checkObject('Message', 'receipt', receipt);
  const { messageId, status, at, errors } = receipt as Partial<StatusReceipt>;
  checkKey('Message', 'messageId', messageId, EXTERNAL_ID_LENGTH);
  if (typeof status !== 'string') invalid('Message', 'status', 'isString', `status must be a string, got ${describeValue(status)}`);
  checkPlatformTime('Message', 'at', at);
  const failure = checkErrors(errors);
  if (!isEnumValue(MessageStatus, status)) {
    const quoted = status.length <= STATUS_QUOTED && /^[\w.-]*$/.test(status) ? `"${status}"` : describeValue(status);
    return { ignored: `status ${quoted} is not tracked (only ${TRACKED} are): nothing was changed` };
  }
  return { messageId, receipt: { target: status, when: dialect.dateParam(at), failure: status === MessageStatus.FAILED ? failure : null } };
}

/** The first error's code and title, or `null` without errors. */
function checkErrors(errors: unknown): ReceiptFailure | null {
  if (errors === undefined || errors === null) return null;
  if (!Array.isArray(errors) || errors.length > MAX_ERRORS) {
    invalid('Message', 'errors', 'isArray', `errors must be an array of at most ${MAX_ERRORS} { code, title } objects, got ${describeValue(errors)}`);
  }
  errors.forEach((error: unknown, i) => {
    checkObject('Message', `errors[${i}]`, error);
    const { code, title } = error as { code?: unknown; title?: unknown };
    checkInteger('Message', `errors[${i}].code`, code, -2_147_483_647, 2_147_483_647);
    if (typeof title !== 'string') invalid('Message', `errors[${i}].title`, 'isString', `errors[${i}].title must be a string, got ${describeValue(title)}`);
    checkText('Message', `errors[${i}].title`, title);
  });
  const first = errors[0] as { code: number; title: string } | undefined;
  if (first === undefined) return null;
  // A title is for people: one longer than the column is cut, not refused, so the status is not lost.
  return { code: first.code, title: Array.from(first.title.slice(0, ERROR_TITLE_LENGTH * 2)).slice(0, ERROR_TITLE_LENGTH).join('') };
}
