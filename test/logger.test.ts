import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/database';
import { AppSettings } from '../src/entities/app-settings.entity';
import { SettingValueType } from '../src/enums';
import { RedactingLogger, REDACTED } from '../src/logger';

function captureConsole(): { text: () => string } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  for (const method of ['log', 'info', 'warn', 'error'] as const) vi.spyOn(console, method).mockImplementation(record);
  return { text: () => lines.join('\n') };
}

afterEach(() => vi.restoreAllMocks());

describe('RedactingLogger', () => {
  it('prints the parameters of ordinary queries', () => {
    const out = captureConsole();
    new RedactingLogger(['query']).logQuery('SELECT * FROM "users" WHERE "psid" = ?', ['psid-visible']);
    expect(out.text()).toContain('psid-visible');
  });

  it('redacts the parameters of queries on app_settings', () => {
    const out = captureConsole();
    new RedactingLogger(['query']).logQuery('INSERT INTO "app_settings"("value") VALUES (?)', ['sk-live-secret']);
    expect(out.text()).not.toContain('sk-live-secret');
    expect(out.text()).toContain(REDACTED);
  });

  it('masks URL passwords in logged query errors', () => {
    const out = captureConsole();
    new RedactingLogger(['error']).logQueryError('could not reach postgres://crm:hunter2@db/crm', 'SELECT 1', []);
    expect(out.text()).not.toContain('hunter2');
    expect(out.text()).toContain('****');
  });

  it('keeps a sensitive setting out of the query log of a real database', async () => {
    const out = captureConsole();
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true, logging: true });
    try {
      await db.manager.save(
        Object.assign(new AppSettings(), { key: 'ai.token', value: 'sk-live-0123456789', valueType: SettingValueType.STRING, isSensitive: true }),
      );
      await db.manager
        .save(Object.assign(new AppSettings(), { key: 'ai.token', value: 'sk-live-0123456789', valueType: SettingValueType.STRING }))
        .catch(() => undefined);
    } finally {
      await db.close();
    }
    expect(out.text()).toContain('app_settings');
    expect(out.text()).not.toContain('sk-live-0123456789');
  });

  it('prints whole-number parameters SQLite gets as BigInt as plain numbers', async () => {
    const out = captureConsole();
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true, logging: true });
    try {
      await db.users.findById(424242);
    } finally {
      await db.close();
    }
    expect(out.text()).toContain('PARAMETERS: [424242]');
  });
});
