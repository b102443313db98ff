/**
 * Erasing a customer's personal data (`users.erase`): the user row is kept,
 * anonymised, so the funnel and the campaign reports still count it; every
 * field that names or describes the person is cleared, in one transaction.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Dialect } from '../../dialect/index';
import { DataErasure } from '../../entities/data-erasure.entity';
import { LeadActivityType } from '../../enums';
import type { DatabaseScope } from '../../scope';
import { validateEntity } from '../../validation';
import { selectOne, statement } from '../sql';
import { buildActivity, insertActivity } from '../support/activities';
import type { EraseOptions, ErasureReceipt, ErasureStatus } from '../user-erasure.types';
import { lockUser } from './writes';

/** 16 random bytes, base64url: 128 bits, unguessable. */
export function newConfirmationCode(): string {
  return randomBytes(16).toString('base64url');
}

/** The `psid` an erased user keeps: random, so it links to nothing, and non-null so the identity CHECK holds. */
function erasedPsid(): string {
  return `erased:${randomBytes(16).toString('hex')}`;
}

/**
 * Validates the erasure record and the audit entry before any SQL runs.
 *
 * @throws {@link EntityValidationError} for a bad `performedBy`.
 */
export async function prepareErasure(userId: number, options: EraseOptions): Promise<{ record: DataErasure; code: string; performedBy: string | null }> {
  const code = newConfirmationCode();
  const performedBy = options.performedBy ?? null;
  const record = await validateEntity(Object.assign(new DataErasure(), { confirmationCode: code, userId, status: 'completed' as const, performedBy }));
  return { record, code, performedBy };
}

/**
 * The erasure itself, in the caller's transaction `tx`: on SQLite with
 * `secure_delete` on, so the old bytes of every changed row are zeroed in the
 * file's pages rather than left in free space.
 */
export async function eraseUser(tx: DatabaseScope, dialect: Dialect, userId: number, prepared: { record: DataErasure; code: string; performedBy: string | null }): Promise<ErasureReceipt> {
  await lockUser(tx, dialect, userId);
  const m = tx.manager;
  const sqlite = dialect.engine === 'sqlite';
  const previous = sqlite ? Number(((await m.query('PRAGMA secure_delete')) as Array<{ secure_delete: unknown }>)[0]?.secure_delete ?? 0) : 0;
  if (sqlite && previous !== 1) await m.query('PRAGMA secure_delete = ON');
  try {
    const now = dialect.now;
    const run = (shape: string, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> => dialect.queryRows(m, statement(dialect, `erase:${shape}`, () => sql), params);
    const phone = (await run('phone', `SELECT "phone_number" FROM "users" WHERE "id" = ?`, [userId]))[0]?.['phone_number'];
    // A status kept for a message not recorded yet has no user, but its wamid encodes the number.
    if (typeof phone === 'string') {
      const kept = await run('pending', `SELECT "id", "external_id" FROM "pending_receipts" WHERE "external_id" LIKE 'wamid.%'`, []);
      const digits = phone.replace(/\D/g, '');
      for (const row of kept) {
        if (wamidNames(String(row['external_id']), digits)) await run('pending-delete', `DELETE FROM "pending_receipts" WHERE "id" = ?`, [row['id']]);
      }
    }
    await run(
      'user',
      `UPDATE "users" SET "psid" = ?, "phone_number" = NULL, "first_name" = NULL, "last_name" = NULL, "email" = NULL, ` +
        `"profile_pic_url" = NULL, "notes" = NULL, "governorate" = NULL, "is_active" = false, "updated_at" = ${now} WHERE "id" = ?`,
      [erasedPsid(), userId],
    );
    // Texts (and their search form, so search no longer finds them), attachments (media links, locations, contact cards) and platform ids (a wamid encodes the number) go;
    // kind, direction, source, status, times and attribution stay for the reports.
    await run(
      'messages',
      `UPDATE "messages" SET "text" = NULL, "search_text" = NULL, "attachments" = NULL, "facebook_message_id" = NULL, "whatsapp_message_id" = NULL, "updated_at" = ${now} WHERE "user_id" = ?`,
      [userId],
    );
    await run('conversations', `UPDATE "conversations" SET "last_message_text" = NULL, "updated_at" = ${now} WHERE "user_id" = ?`, [userId]);
    // Agents' notes may quote the customer; the stage, label and score history stays.
    await run('notes', `UPDATE "lead_activities" SET "note" = NULL WHERE "user_id" = ? AND "note" IS NOT NULL`, [userId]);
    const activity = await buildActivity({ userId, activityType: LeadActivityType.NOTE, note: `Personal data erased (confirmation ${prepared.code})`, performedBy: prepared.performedBy });
    await insertActivity(m, dialect, activity);
    await m.createQueryBuilder().insert().into(DataErasure).values({ confirmationCode: prepared.code, userId, status: 'completed', performedBy: prepared.performedBy }).execute();
    const stored = (await selectOne(m, dialect, DataErasure, 'confirmation_code', prepared.code))!;
    return { confirmationCode: prepared.code, status: 'completed', erasedAt: stored.createdAt };
  } finally {
    if (sqlite && previous !== 1) await m.query('PRAGMA secure_delete = OFF');
  }
}

/** Whether a WhatsApp message id (`wamid.` and base64) carries this phone number's digits. */
export function wamidNames(wamid: string, digits: string): boolean {
  if (!wamid.startsWith('wamid.') || digits.length === 0) return false;
  return Buffer.from(wamid.slice('wamid.'.length), 'base64').toString('latin1').includes(digits);
}

/** The erasure with this code, or `null`. */
export async function findErasure(m: EntityManager, dialect: Dialect, code: string): Promise<ErasureStatus | null> {
  const found = await selectOne(m, dialect, DataErasure, 'confirmation_code', code);
  return found === null ? null : { confirmationCode: found.confirmationCode, status: found.status, erasedAt: found.createdAt };
}
