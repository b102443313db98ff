// Hostile input on both engines: any well-formed, NUL-free Unicode text (SQL fragments,
// quotes, control characters, variation selectors, astral characters, text
// at the column limits) round-trips verbatim through every text column, and
// invalid inputs end as typed errors with nothing written.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AdCampaign, AppSettings, Conversation, LeadActivity, Message, Post, User } from '../../src/entities/index';
import { MessageSource } from '../../src/enums';
import { EntityValidationError, isMigochatDbError } from '../../src/errors';
import type { CreateUserInput, RecordInboundInput, SettingValue, SetSettingOptions } from '../../src/repositories/index';
import { textProblem } from '../../src/validation';
import { makeUser } from '../../src/testing';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';

const RUNS = { numRuns: 60 };

const NASTY = [
  "'; DROP TABLE users; --",
  "' OR '1'='1",
  '"; DELETE FROM messages; --',
  "Robert'); DROP TABLE students;--",
  '$1', '?', ':name', '%', '_', '\\', '\\\\x00', "''", '""', '`', '/*', '*/', '--',
  '\r\n', '\t', '\u0001', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029', '\u202e', '\u200b', '\ufeff',
  '\ufe0f', '\ufe0e', 'a\u0300', '\uffff', '\ufffd', '\u{10ffff}', '\u{1f431}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', 'مرحبا', '𝕏',
];

/** One unit of hostile text: any code point but NUL (most of the time) or a nasty fragment. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !c.includes('\u0000')) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY) },
);
const hostile = (maxLength = 40) => fc.string({ unit, maxLength });

/** The first `limit` code points, so the text fits a column of that many characters. */
const fit = (s: string, limit: number) => [...s].slice(0, limit).join('');

let serial = 0;
const unique = (s: string, limit: number) => fit(`${++serial}|${s}`, limit);

describe.each(engines())('hostile text round-trips verbatim on %s', (engine) => {
  const suite = useTestDatabase(engine);

  it('keeps user psid, names and notes verbatim through create, update and a lookup by psid', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), hostile(), hostile(), hostile(200), async (psidText, first, last, notes) => {
        const psid = unique(psidText, 64);
        const created = await suite.db.users.create({ psid, firstName: fit(first, 100), lastName: fit(last, 100), notes });
        const found = await suite.db.users.findByPsid(psid);
        expect(found?.id).toBe(created.id);
        expect(found).toMatchObject({ psid, firstName: fit(first, 100), lastName: fit(last, 100), notes });
        await suite.db.users.update(created.id, { notes: `${notes}${first}` });
        expect((await suite.db.users.getById(created.id)).notes).toBe(`${notes}${first}`);
      }),
      RUNS,
    );
  });

  it('finds a user by searching for any hostile substring of the name, wildcards and non-ASCII capitals included', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(60), async (text) => {
        const firstName = fit(`zq${++serial}#${text}`, 100);
        const user = await suite.db.users.create({ psid: `search-${engine}-${serial}`, firstName });
        const page = await suite.db.users.search({ query: firstName, limit: 100 });
        expect(page.items.map((u) => u.id)).toEqual([user.id]);
      }),
      RUNS,
    );
    const accented = await suite.db.users.create({ psid: `search-accent-${engine}`, firstName: 'Élodie ÖZTÜRK' });
    expect((await suite.db.users.search({ query: 'Élodie' })).items.map((u) => u.id)).toContain(accented.id);
    expect((await suite.db.users.search({ query: 'ÖZTÜRK' })).items.map((u) => u.id)).toContain(accented.id);
  });

  it('keeps message text and external ids verbatim, and the conversation preview is their first 500 code points', async () => {
    const user = await suite.db.users.create({ psid: `hostile-messages-${engine}` });
    await fc.assert(
      fc.asyncProperty(hostile(), fc.string({ unit, minLength: 1, maxLength: 300 }), async (idText, text) => {
        const facebookMessageId = unique(idText, 255);
        const message = await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.MESSENGER, text, facebookMessageId, sentAt: new Date(Date.now() + serial) });
        const stored = await suite.db.manager.findOneByOrFail(Message, { id: message.id });
        expect(stored.text).toBe(text);
        expect(stored.facebookMessageId).toBe(facebookMessageId);
        // A redelivery with the same hostile id is recognised as the same message.
        const again = await suite.db.messages.recordInboundDetailed({ userId: user.id, source: MessageSource.MESSENGER, text: 'x', facebookMessageId });
        expect(again.created).toBe(false);
        expect(again.message.id).toBe(message.id);
        const conversation = await suite.db.manager.findOneByOrFail(Conversation, { id: stored.conversationId });
        expect(conversation.lastMessageText).toBe(fit(text, 500));
      }),
      RUNS,
    );
  });

  it('keeps post ids and content and ad campaign names verbatim through upserts and lookups', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), hostile(300), hostile(), hostile(), async (postId, content, campaignId, name) => {
        const facebookPostId = unique(postId, 255);
        await suite.db.posts.upsertByFacebookId({ facebookPostId, content });
        expect((await suite.db.posts.findByFacebookId(facebookPostId))?.content).toBe(content);
        const facebookCampaignId = unique(campaignId, 255);
        const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId, name: fit(`n${name}`, 255) });
        const stored = await suite.db.adCampaigns.findByFacebookId(facebookCampaignId);
        expect(stored?.id).toBe(campaign.id);
        expect(stored?.name).toBe(fit(`n${name}`, 255));
      }),
      RUNS,
    );
  });

  it('keeps setting values, categories and descriptions verbatim', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(300), hostile(), hostile(), async (value, category, description) => {
        const key = `hostile.${++serial}`;
        const cat = fit(`c${category}`, 64);
        await suite.db.settings.set(key, value, { category: cat, description: fit(description, 1000) });
        expect(await suite.db.settings.get(key)).toBe(value);
        const row = await suite.db.manager.findOneByOrFail(AppSettings, { key });
        expect(row).toMatchObject({ value, category: cat, description: fit(description, 1000) });
      }),
      RUNS,
    );
  });

  it('keeps activity notes and performers verbatim', async () => {
    const user = await suite.db.users.create({ psid: `hostile-notes-${engine}` });
    await fc.assert(
      fc.asyncProperty(hostile(300), hostile(), async (note, by) => {
        const text = `n${note}`;
        const activity = await suite.db.leadActivities.addNote(user.id, text, fit(by, 100));
        const stored = await suite.db.manager.findOneByOrFail(LeadActivity, { id: activity.id });
        expect(stored.note).toBe(text);
        expect(stored.performedBy).toBe(fit(by, 100));
      }),
      RUNS,
    );
  });

  it('stores text exactly at each column limit, astral characters and SQL included', async () => {
    const repeatTo = (pattern: string, limit: number) => fit(pattern.repeat(Math.ceil(limit / [...pattern].length)), limit);
    const pattern = "\u{1f431}'; DROP TABLE users; --\u202e\ufe0f\u0001";
    const user = await suite.db.users.create({ psid: repeatTo(pattern, 64), firstName: repeatTo(pattern, 100), lastName: repeatTo(pattern, 100), notes: repeatTo(pattern, 10_000) });
    expect(await suite.db.manager.findOneByOrFail(User, { id: user.id })).toMatchObject({
      psid: repeatTo(pattern, 64),
      firstName: repeatTo(pattern, 100),
      lastName: repeatTo(pattern, 100),
      notes: repeatTo(pattern, 10_000),
    });
    const message = await suite.db.messages.recordInbound({ userId: user.id, source: MessageSource.WHATSAPP, text: repeatTo(pattern, 20_000), whatsappMessageId: repeatTo(pattern, 255) });
    expect(await suite.db.manager.findOneByOrFail(Message, { id: message.id })).toMatchObject({ text: repeatTo(pattern, 20_000), whatsappMessageId: repeatTo(pattern, 255) });
    const post = await suite.db.posts.upsertByFacebookId({ facebookPostId: repeatTo(pattern, 255), content: repeatTo(pattern, 65_535) });
    expect((await suite.db.manager.findOneByOrFail(Post, { id: post.id })).content).toBe(repeatTo(pattern, 65_535));
    const campaign = await suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: repeatTo(pattern, 255), name: repeatTo(pattern, 255) });
    expect((await suite.db.manager.findOneByOrFail(AdCampaign, { id: campaign.id })).name).toBe(repeatTo(pattern, 255));
    await suite.db.settings.set('hostile.long', repeatTo(pattern, 1_000_000));
    expect(await suite.db.settings.get('hostile.long')).toBe(repeatTo(pattern, 1_000_000));
    const note = await suite.db.leadActivities.addNote(user.id, repeatTo(pattern, 10_000), repeatTo(pattern, 100));
    expect(await suite.db.manager.findOneByOrFail(LeadActivity, { id: note.id })).toMatchObject({ note: repeatTo(pattern, 10_000), performedBy: repeatTo(pattern, 100) });
  });
});

describe.each(engines())('invalid input ends as a typed error with nothing written on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let userId: number;
  beforeAll(async () => {
    userId = (await makeUser(suite.db)).id;
  });

  async function rowCounts(): Promise<number[]> {
    return Promise.all([User, Message, Conversation, AppSettings, LeadActivity, Post, AdCampaign].map((e) => suite.db.manager.count(e)));
  }

  /** Runs `call`; a failure must be one of ours with no row written, a success may add at most `allowed` rows per table. */
  async function expectTypedOrValid(call: () => Promise<unknown>, allowed = 1): Promise<void> {
    const before = await rowCounts();
    const outcome = await call().then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const after = await rowCounts();
    if (outcome.ok) {
      after.forEach((n, i) => expect(n - (before[i] ?? 0)).toBeLessThanOrEqual(allowed));
    } else {
      if (!isMigochatDbError(outcome.error)) throw outcome.error;
      expect(after).toEqual(before);
    }
  }

  const loose = fc.oneof(fc.anything(), fc.string({ unit, maxLength: 300 }), fc.integer(), fc.constant(null), fc.constant(undefined));

  it('recordInbound with random objects and random field values', async () => {
    const input = fc.oneof(
      fc.anything(),
      fc.record(
        {
          userId: fc.oneof(fc.constant(userId), loose),
          source: fc.oneof(fc.constantFrom(...Object.values(MessageSource)), loose),
          text: loose,
          facebookMessageId: loose,
          whatsappMessageId: loose,
          postId: loose,
          adCampaignId: loose,
          attachments: loose,
          sentAt: fc.oneof(fc.date({ noInvalidDate: false }), loose),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(fc.asyncProperty(input, (value) => expectTypedOrValid(() => suite.db.messages.recordInbound(value as unknown as RecordInboundInput))), { numRuns: 100 });
  });

  it('users.create with random objects and random field values', async () => {
    const input = fc.oneof(
      fc.anything(),
      fc.record(
        {
          psid: loose,
          phoneNumber: loose,
          firstName: loose,
          lastName: loose,
          email: loose,
          notes: loose,
          leadStage: loose,
          leadScore: fc.oneof(fc.double(), loose),
          isActive: loose,
          lastMessageAt: fc.oneof(fc.date({ noInvalidDate: false }), loose),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(fc.asyncProperty(input, (value) => expectTypedOrValid(() => suite.db.users.create(value as unknown as CreateUserInput))), { numRuns: 100 });
  });

  it('settings.set with random keys, values and options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(loose, fc.constantFrom('a.b', 'x:y')), fc.oneof(fc.anything(), fc.double()), fc.oneof(fc.anything(), fc.record({ category: loose, description: loose, sensitive: loose }, { requiredKeys: [] })), (key, value, options) =>
        expectTypedOrValid(() => suite.db.settings.set(key as string, value as SettingValue, options as SetSettingOptions)),
      ),
      { numRuns: 100 },
    );
  });

  it('posts, ad campaigns, notes and lead changes with random arguments', async () => {
    const arg = fc.oneof(fc.anything(), fc.record({ facebookPostId: loose, facebookCampaignId: loose, name: loose, content: loose, postType: loose, likesCount: loose, spendMinor: loose, currency: loose }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(arg, loose, loose, async (value, a, b) => {
        await expectTypedOrValid(() => suite.db.posts.upsertByFacebookId(value as never));
        await expectTypedOrValid(() => suite.db.adCampaigns.upsertByFacebookId(value as never));
        await expectTypedOrValid(() => suite.db.leadActivities.addNote(userId, a as string, b as string));
        await expectTypedOrValid(() => suite.db.users.changeLeadStage(userId, a as never, b as never));
        await expectTypedOrValid(() => suite.db.users.update(userId, value as never));
      }),
      { numRuns: 60 },
    );
  });

  it('text longer than its column in characters is refused with EntityValidationError, even when variation selectors make it look short', async () => {
    // class-validator does not count U+FE0F/U+FE0E after a character, PostgreSQL does.
    const before = await rowCounts();
    const tooLong = 'a\ufe0f'.repeat(100);
    for (const call of [
      () => suite.db.users.create({ psid: `vs-${engine}`, firstName: tooLong }),
      () => suite.db.users.create({ psid: tooLong }),
      () => suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, facebookMessageId: 'a\ufe0f'.repeat(255) }),
      () => suite.db.leadActivities.addNote(userId, 'note', tooLong),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('text with a lone surrogate is refused with EntityValidationError (rule wellFormed) in every text field, never stored changed', async () => {
    const lone = fc.tuple(hostile(20), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'), hostile(20))// Within every field's length (psid: 64), so the one rule broken is wellFormed.
      .map(([a, s, b]) => `${a.slice(0, 28)}${s}${b.slice(0, 28)}`)
      .filter((t) => textProblem(t) === 'wellFormed');
    await fc.assert(
      fc.asyncProperty(lone, fc.constantFrom('psid', 'firstName', 'notes', 'text', 'facebookMessageId', 'content', 'name', 'settingValue', 'note'), async (text, field) => {
        const before = await rowCounts();
        const call = (): Promise<unknown> => {
          switch (field) {
            case 'psid':
              return suite.db.users.findOrCreateByPsid(text);
            case 'firstName':
            case 'notes':
              return suite.db.users.update(userId, { [field]: text });
            case 'text':
            case 'facebookMessageId':
              return suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'x', [field]: text });
            case 'content':
              return suite.db.posts.upsertByFacebookId({ facebookPostId: `lone-${engine}`, content: text });
            case 'name':
              return suite.db.adCampaigns.upsertByFacebookId({ facebookCampaignId: `lone-${engine}`, name: text });
            case 'settingValue':
              return suite.db.settings.set('lone.value', text);
            default:
              return suite.db.leadActivities.addNote(userId, text);
          }
        };
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EntityValidationError);
        expect((error as EntityValidationError).issues[0]?.rules).toEqual(['wellFormed']);
        expect(await rowCounts()).toEqual(before);
      }),
      RUNS,
    );
  });

  it('a NUL character is refused with EntityValidationError (rule noNul) on both engines, never a raw driver error', async () => {
    const before = await rowCounts();
    const outcome = await suite.db.messages.recordInbound({ userId, source: MessageSource.MESSENGER, text: 'a\u0000b', facebookMessageId: `nul-${engine}` }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(EntityValidationError);
    expect((outcome as EntityValidationError).issues).toEqual([expect.objectContaining({ property: 'text', rules: ['noNul'] })]);
    expect(await rowCounts()).toEqual(before);
  });
});
