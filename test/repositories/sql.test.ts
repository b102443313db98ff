import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { QueryFailedError, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { openDatabase } from '../../src/database';
import { AdCampaign } from '../../src/entities/ad-campaign.entity';
import { AppSettings } from '../../src/entities/app-settings.entity';
import { Conversation } from '../../src/entities/conversation.entity';
import { Message } from '../../src/entities/message.entity';
import { Post } from '../../src/entities/post.entity';
import { User } from '../../src/entities/user.entity';
import { hydrateRow, inDialect, queryRows } from '../../src/repositories/sql';
import { makeAdCampaign, makeConversation, makeMessage, makePost, makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

describe.each(engines())('fixed-SQL hydration on %s', (engine) => {
  const suite = useTestDatabase(engine);

  const rowOf = async (table: string, id: number, select = '*'): Promise<Record<string, unknown>> => {
    const rows = await queryRows(suite.db.manager, inDialect(engine, `SELECT ${select} FROM "${table}" WHERE "id" = ?`), [id]);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  const expectSameAsTypeorm = async <T extends ObjectLiteral & { id: number }>(target: EntityTarget<T>, table: string, id: number): Promise<void> => {
    const ours = hydrateRow(suite.db.manager, target, await rowOf(table, id));
    const typeorms = await suite.db.manager.findOneByOrFail(target, { id } as never);
    expect(ours).toBeInstanceOf(typeorms.constructor);
    expect(ours).toEqual(typeorms);
  };

  it('builds every entity exactly as TypeORM loads it, dates, booleans, JSON and big numbers included', async () => {
    const user = await makeUser(suite.db, { lastMessageAt: new Date('2026-02-03T04:05:06.789Z'), notes: 'n', leadScore: 42 });
    const conversation = await makeConversation(suite.db, { userId: user.id, lastMessageAt: new Date('2026-02-03T04:05:06.789Z'), lastMessageText: 'hi' });
    const post = await makePost(suite.db);
    const campaign = await makeAdCampaign(suite.db, { spendMinor: 9_007_199_254_740_991, impressions: 123_456_789_012 });
    const message = await makeMessage(suite.db, {
      userId: user.id,
      conversationId: conversation.id,
      postId: post.id,
      adCampaignId: campaign.id,
      attachments: [{ type: 'image', url: 'https://example.test/a.png' }],
      isAiResponse: true,
      aiResponseTimeMs: 840,
    });
    const setting = await suite.db.settings.set('ai.model', { name: 'x', temperature: 0.2 });
    await expectSameAsTypeorm(User, 'users', user.id);
    await expectSameAsTypeorm(Conversation, 'conversations', conversation.id);
    await expectSameAsTypeorm(Post, 'posts', post.id);
    await expectSameAsTypeorm(AdCampaign, 'ad_campaigns', campaign.id);
    await expectSameAsTypeorm(Message, 'messages', message.id);
    await expectSameAsTypeorm(AppSettings, 'app_settings', setting.id);
  });

  it('reads a joined entity from columns selected under a prefix', async () => {
    const user = await makeUser(suite.db, { firstName: 'Mona' });
    const select = ['id', 'psid', 'first_name', 'created_at'].map((c) => `"${c}" AS "u__${c}"`).join(', ');
    const hydrated = hydrateRow(suite.db.manager, User, await rowOf('users', user.id, select), 'u__');
    expect(hydrated).toBeInstanceOf(User);
    expect(hydrated).toEqual({ id: user.id, psid: user.psid, firstName: 'Mona', createdAt: user.createdAt });
  });

  it('leaves out the properties whose columns the row does not have', async () => {
    const user = await makeUser(suite.db);
    const hydrated = hydrateRow(suite.db.manager, User, await rowOf('users', user.id, '"id"'));
    expect(Object.keys(hydrated)).toEqual(['id']);
  });

  it.runIf(engine === 'sqlite')('parses a timestamp before year 100 like TypeORM does, not as 19xx', async () => {
    const user = await makeUser(suite.db);
    await suite.db.manager.query(`UPDATE "users" SET "last_message_at" = '0050-06-07 08:09:10.011' WHERE "id" = ?`, [user.id]);
    const hydrated = hydrateRow(suite.db.manager, User, await rowOf('users', user.id));
    expect(hydrated.lastMessageAt?.toISOString()).toBe('0050-06-07T08:09:10.011Z');
  });
});

describe('fixed SQL on SQLite', () => {
  it('logs a statement slower than slowQueryMs as a slow query, with its parameters', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true, slowQueryMs: 1 });
    try {
      const sql = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT COUNT(*) AS c FROM n';
      const [row] = await queryRows(db.manager, sql, [300_000]);
      expect(Number(row?.['c'])).toBe(300_000);
    } finally {
      await db.close();
      spy.mockRestore();
    }
    // TypeORM colours SQL when the environment says colours work (CI=true does).
    expect(stripVTControlCharacters(lines.join('\n'))).toMatch(/slow[\s\S]*WITH RECURSIVE[\s\S]*300000/i);
  });

  it('fails with QueryFailedError carrying the driver error, and the statement still works afterwards', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:', migrate: true });
    try {
      const insert = 'INSERT INTO "users" ("psid") VALUES (?) RETURNING "id"';
      await queryRows(db.manager, insert, ['dup']);
      const error = await queryRows(db.manager, insert, ['dup']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryFailedError);
      expect((error as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('SQLITE_CONSTRAINT_UNIQUE');
      expect(await queryRows(db.manager, insert, ['other'])).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});
