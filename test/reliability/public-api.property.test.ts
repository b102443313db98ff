// Every public repository method, called with arbitrary values for every
// argument on both engines: it resolves, or it rejects with one of our typed
// errors; a rejected call leaves every table as it was; and no call blocks the
// event loop for more than 50 ms. The methods are read from the repository
// classes' prototypes, so a new method fails the first test until it is given
// an argument model below (and is then covered like the others).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { ENTITIES } from '../../src/entities/index';
import {
  AdCampaignStatus,
  CustomerLabel,
  CustomerType,
  Governorate,
  LeadStage,
  MessageDirection,
  MessageKind,
  MessageSource,
  MessageStatus,
  PostType,
} from '../../src/enums';
import { isMigochatDbError } from '../../src/errors';
import { REPOSITORY_CLASSES } from '../../src/repositories/registry';
import { useTestDatabase } from '../support/database';
import { type EngineName, engines } from '../support/engines';

/** The repositories as `db` exposes them: the registry itself, so a new repository is covered (or fails below until modelled). */
const REPOSITORIES = REPOSITORY_CLASSES;
type RepositoryName = keyof typeof REPOSITORIES;

/** Runs per method and engine (about 60 methods: ~10 s per engine); PROPERTY_RUNS=2000 for a deeper hunt. */
const RUNS = Number(process.env['PROPERTY_RUNS'] ?? 100);

/** The public methods of a repository class: functions on its prototype chain (private methods are `#private`, so not there). */
function publicMethods(cls: { prototype: object }): string[] {
  const names = new Set<string>();
  for (let proto: object | null = cls.prototype; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/** What the seeded database holds, for argument models that sometimes hit real rows. */
interface Seed {
  userIds: number[];
  psids: string[];
  phones: string[];
  conversationIds: number[];
  messageIds: number[];
  externalIds: string[];
  postIds: number[];
  facebookPostIds: string[];
  campaignIds: number[];
  facebookCampaignIds: string[];
  settingKeys: string[];
  /** Confirmation codes `users.erase` issued. */
  erasureCodes: string[];
  /** Rows made to be deleted, closed or erased, so the others stay. */
  victims: { users: number[]; erased: number[]; conversations: number[]; posts: number[]; campaigns: number[] };
  /** Real `nextCursor`s of every list, by list name. */
  cursors: Record<string, string>;
}

/** Values that are wrong for almost any parameter. */
function hostileValues(): unknown[] {
  let deep: unknown = 1;
  for (let i = 0; i < 5000; i++) deep = [deep];
  let deepObject: unknown = {};
  for (let i = 0; i < 5000; i++) deepObject = { a: deepObject };
  const cyclic: Record<string, unknown> = { type: 'image' };
  cyclic['self'] = cyclic;
  const manyKeys: Record<string, number> = {};
  for (let i = 0; i < 100_000; i++) manyKeys[`k${i}`] = i;
  return [
    0, -1, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 31),
    Number.MAX_VALUE, Number.MIN_VALUE, 1e-300, 10n, 2n ** 70n,
    '', ' ', '1', '1 OR 1=1', "1'; DROP TABLE users; --", '%', '_', '\\', '%_\\', 'a\u0000b', '\u0000', '\ud800', 'x\udc00y', '\udbff\udfff',
    'x'.repeat(40_000), '7'.repeat(40_000), '\ud800'.repeat(20_000), 'é\u0301'.repeat(1000), '2025-01-01 00:00:00.000',
    null, undefined, true, false, Symbol('s'), () => 1,
    {}, [], [1, 2], [undefined], new Array(10), Object.create(null) as object, new Map([['a', 1]]), new Set([1]), new Uint8Array(4),
    JSON.parse('{"__proto__": {"polluted": true}, "psid": "proto"}') as object,
    { constructor: 1 }, { toString: 1 }, { hasOwnProperty: 1 }, { valueOf: () => 1 }, { toJSON: () => 'x' },
    new Date(Number.NaN), new Date(8.64e15), new Date(-8.64e15), new Date(Date.UTC(10000, 0, 1)), new Date(Date.UTC(-1, 0, 1)), new Date(-1), new Date(0),
    new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(1, 0, 1)),
    deep, deepObject, cyclic, manyKeys,
    Array.from({ length: 100_000 }, () => ({ type: 'image' })),
    [{ type: 'file', data: 'x'.repeat(8_000_000) }],
    [{ type: 'image', n: 10n }], [{ type: 'image', f: () => 1 }], [{ type: 'image', s: Symbol('s') }], [{ type: 'image', nested: [1, undefined] }],
    [{ type: 'a\u0000b' }], [{ type: '\ud800' }], [{ ['\u0000']: 1 }], [cyclic],
  ];
}

/** Any value at all, hostile ones often. */
function anyValue(hostile: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...hostile) },
    { weight: 1, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, withObjectString: true, withUnicodeString: true }) },
    { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('a', '\u0000', '\ud800', '\udc00', '%', '_', '\\', '\ufe0f') })) },
  );
}

/** Tampered forms of a real cursor: every kind of change an attacker or a bug makes. */
function tamperedCursors(seed: Seed): fc.Arbitrary<unknown> {
  const real = Object.values(seed.cursors);
  const lists = Object.keys(seed.cursors);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  const decode = (cursor: string): unknown[] => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
  const mutations: Array<(c: string, n: number) => unknown> = [
    (c) => c,
    (c, n) => c.slice(0, n % c.length),
    (c, n) => `${c}${'A'.repeat((n % 5) + 1)}`,
    (c, n) => {
      const i = n % c.length;
      const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return c.slice(0, i) + chars[(chars.indexOf(c[i]!) + 1 + (n % 63)) % 64] + c.slice(i + 1);
    },
    (c) => `${c}=`,
    (c) => c.replace(/-/g, '+').replace(/_/g, '/'),
    (c) => `!${c}`,
    (c) => c.repeat(30),
    (c) => 'A'.repeat(20_000) + c,
    (c, n) => encode([lists[n % lists.length], ...decode(c).slice(1)]),
    (c) => encode(decode(c).slice(1)),
    (c) => encode([...decode(c), 1]),
    (c, n) => encode([decode(c)[0], [n, 'x', null, true, {}, [], 1.5, '', '2025-02-31 00:00:00.000', '2025-01-01 24:00:00', '0000-01-01 00:00:00', '2025-01-01 00:00:00.000+99', 'x'.repeat(500)][n % 13], decode(c)[2]]),
    (c, n) => encode([decode(c)[0], decode(c)[1], [0, -1, 1.5, 2 ** 31, '1', null, Number.MAX_SAFE_INTEGER, 1e300][n % 8]]),
    (c) => encode(decode(c)[0]),
    (c) => encode({ list: decode(c)[0] }),
    () => encode(null),
    () => 'bm9wZQ',
    () => Buffer.from('[\u0000]').toString('base64url'),
    () => Buffer.from([0xff, 0xfe, 0x00]).toString('base64url'),
  ];
  return fc.tuple(fc.constantFrom(...real), fc.nat(), fc.nat({ max: mutations.length - 1 })).map(([c, n, m]) => mutations[m]!(c, n));
}

/** Copies `value` (an object) and gives it an own property `key`, even `__proto__`. */
function withOwnKey(value: Record<string, unknown>, key: string, extra: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...value };
  Object.defineProperty(copy, key, { value: extra, enumerable: true, configurable: true, writable: true });
  return copy;
}

const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'id', 'createdAt', 'updatedAt', 'isTrusted', 'x'.repeat(5000)];

/** Builds the argument models of every method, given what the database holds. */
function argumentModels(seed: Seed, hostile: readonly unknown[]): Record<RepositoryName, Record<string, fc.Arbitrary<unknown[]>>> {
  const any = anyValue(hostile);
  /** A parameter: often one of the valid values, more often anything at all. */
  const or = (...valid: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => fc.oneof({ weight: 2, arbitrary: fc.oneof(...valid) }, { weight: 3, arbitrary: any });
  const pick = <T>(values: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
  const uniq = (prefix: string): fc.Arbitrary<string> => fc.integer({ min: 1, max: 1_000_000_000 }).map((n) => `${prefix}-${n}`);
  /**
   * An object parameter: valid fields (each present or not) with up to two of
   * them hostile, sometimes with an odd own key (`__proto__`, `constructor`,
   * ...), sometimes hostile as a whole.
   */
  const record = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => {
    const keys = Object.keys(fields);
    const valid = fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
    const spoiled = fc.tuple(valid, fc.array(fc.tuple(pick(keys), any), { minLength: 1, maxLength: 2 })).map(([r, bad]) => {
      const copy = { ...r };
      for (const [k, v] of bad) copy[k] = v;
      return copy;
    });
    return fc.oneof(
      { weight: 3, arbitrary: valid },
      { weight: 4, arbitrary: spoiled },
      { weight: 2, arbitrary: fc.tuple(fc.oneof(valid, spoiled), pick(ODD_KEYS), any).map(([r, k, v]) => withOwnKey(r, k, v)) },
      { weight: 1, arbitrary: any },
    );
  };
  const tuple = (...args: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<unknown[]> => fc.tuple(...args);
  const enumOf = (values: Record<string, string>): fc.Arbitrary<string> => pick(Object.values(values));

  // Valid values, as record fields take them.
  const someId = (ids: readonly number[]): fc.Arbitrary<number> => fc.oneof(pick(ids.length > 0 ? ids : [1]), fc.integer({ min: 1, max: 2 ** 31 - 1 }));
  const userId = someId(seed.userIds);
  const psid = fc.oneof(pick(seed.psids), uniq('psid'));
  const phone = fc.oneof(pick(seed.phones), fc.integer({ min: 10_000_000, max: 99_999_999 }).map((n) => `+2010${n}`));
  const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
  const date = fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true });
  const count = fc.integer({ min: 0, max: 2 ** 31 - 1 });
  const bigCount = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
  const limit = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max });
  const cursor = fc.oneof({ weight: 4, arbitrary: tamperedCursors(seed) }, { weight: 1, arbitrary: fc.constantFrom(null, undefined, '') });
  const source = enumOf(MessageSource);
  const url = fc.webUrl();

  const page = record({ limit: limit(500), cursor });
  const changeOptions = record({ note: text, performedBy: text });
  const userFields = {
    psid,
    phoneNumber: phone,
    firstName: text,
    lastName: text,
    email: fc.emailAddress(),
    profilePicUrl: url,
    governorate: enumOf(Governorate),
    leadStage: enumOf(LeadStage),
    customerLabel: enumOf(CustomerLabel),
    customerType: enumOf(CustomerType),
    leadScore: fc.integer({ min: 0, max: 100 }),
    primarySource: source,
    notes: text,
    isActive: fc.boolean(),
    lastMessageAt: date,
  };
  const { leadStage: _stage, customerLabel: _label, leadScore: _score, ...patchFields } = userFields;
  const inboundFields = {
    userId: pick(seed.userIds),
    source,
    kind: enumOf(MessageKind),
    text,
    attachments: fc.array(fc.record({ type: fc.constantFrom('image', 'file'), url }), { minLength: 1, maxLength: 3 }),
    facebookMessageId: fc.oneof(pick(seed.externalIds), uniq('mid')),
    whatsappMessageId: uniq('wamid'),
    postId: pick(seed.postIds),
    adCampaignId: pick(seed.campaignIds),
    sentAt: date,
  };
  const inbound = record(inboundFields);
  const outbound = record({ ...inboundFields, isAiResponse: fc.boolean(), aiResponseTimeMs: count, status: enumOf(MessageStatus) });
  const range = record({ since: date, until: date });
  const searchQuery = or(fc.constantFrom('hello', 'hello 1', '"hello 2"', 'hello -3', 'hello OR nothing', 'الســعر ٤٥٠'), text);
  const searchOptions = record({ userId, source, direction: enumOf(MessageDirection), since: date, until: date, limit: limit(500), cursor });
  const postInput = record({
    facebookPostId: fc.oneof(pick(seed.facebookPostIds), uniq('post')),
    postType: enumOf(PostType),
    content: text,
    permalinkUrl: url,
    mediaUrl: url,
    likesCount: count,
    commentsCount: count,
    sharesCount: count,
    publishedAt: date,
  });
  const campaignInput = record({
    facebookCampaignId: fc.oneof(pick(seed.facebookCampaignIds), uniq('campaign')),
    name: text,
    status: enumOf(AdCampaignStatus),
    objective: text,
    impressions: bigCount,
    clicks: bigCount,
    conversions: bigCount,
    spendMinor: bigCount,
    currency: fc.constantFrom('EGP', 'USD', 'egp', 'XXX'),
    startsAt: date,
    endsAt: date,
  });
  const settingKey = or(pick(seed.settingKeys), uniq('prop.key'));
  const settingValue = or(text, fc.double(), fc.boolean(), fc.jsonValue({ maxDepth: 3 }));
  // Deletes aim at rows made for them, and at ids that may not exist, so the seed stays for the other methods.
  const victim = (ids: readonly number[]): fc.Arbitrary<unknown> => or(pick(ids), fc.integer({ min: 1_000_000, max: 2 ** 31 - 1 }));
  const base = (ids: readonly number[]): Record<string, fc.Arbitrary<unknown[]>> => ({ findById: tuple(or(someId(ids))), getById: tuple(or(someId(ids))) });
  return {
    users: {
      ...base(seed.userIds),
      findByPsid: tuple(or(psid)),
      findByPhone: tuple(or(phone)),
      findOrCreateByPsid: tuple(or(psid), record(userFields)),
      findOrCreateByPhone: tuple(or(phone), record(userFields)),
      create: tuple(record(userFields)),
      update: tuple(or(userId), record(patchFields)),
      changeLeadStage: tuple(or(userId), or(enumOf(LeadStage)), changeOptions),
      changeLabel: tuple(or(userId), or(enumOf(CustomerLabel), fc.constant(null)), changeOptions),
      adjustScore: tuple(or(userId), or(fc.integer({ min: -200, max: 200 })), changeOptions),
      search: tuple(
        record({
          query: text,
          stage: enumOf(LeadStage),
          label: fc.oneof(enumOf(CustomerLabel), fc.constant(null)),
          type: enumOf(CustomerType),
          governorate: enumOf(Governorate),
          limit: limit(500),
          cursor,
        }),
      ),
      leadFunnel: tuple(any),
      delete: tuple(victim(seed.victims.users)),
      erase: tuple(victim(seed.victims.erased), record({ performedBy: fc.oneof(text, fc.constant(null)) })),
      erasureStatus: tuple(or(pick(seed.erasureCodes), fc.string({ minLength: 1, maxLength: 64 }))),
    },
    messages: {
      ...base(seed.messageIds),
      recordInbound: tuple(inbound),
      recordInboundDetailed: tuple(inbound),
      recordInboundBatch: tuple(or(fc.array(inbound, { maxLength: 4 }))),
      recordOutbound: tuple(outbound),
      recordOutboundDetailed: tuple(outbound),
      updateStatus: tuple(or(pick(seed.externalIds)), or(enumOf(MessageStatus)), fc.oneof(or(date), fc.constant(undefined))),
      applyStatus: tuple(
        record({
          messageId: fc.oneof(pick(seed.externalIds), uniq('wamid')),
          status: fc.constantFrom('sent', 'delivered', 'read', 'failed', 'deleted', 'warning'),
          at: date,
          errors: fc.array(fc.record({ code: fc.integer(), title: text }), { maxLength: 2 }),
        }),
      ),
      markDeliveredUpTo: tuple(or(userId), or(date), or(source)),
      markReadUpTo: tuple(or(userId), or(date), or(source)),
      listForUser: tuple(or(userId), page),
      listForConversation: tuple(or(someId(seed.conversationIds)), page),
      countBySource: tuple(range),
      attribution: tuple(record({ since: date, until: date, limit: limit(500) })),
      aiResponseStats: tuple(range),
      search: tuple(searchQuery, searchOptions),
    },
    conversations: {
      ...base(seed.conversationIds),
      findActive: tuple(or(userId), or(source)),
      getOrOpen: tuple(or(userId), or(source)),
      inbox: tuple(record({ limit: limit(500), cursor, source })),
      listForUser: tuple(or(userId), page),
      close: tuple(victim(seed.victims.conversations)),
      search: tuple(searchQuery, searchOptions),
      closeIdle: tuple(or(fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('1990-01-01T00:00:00.000Z') }))),
    },
    leadActivities: {
      ...base([1, 2, 3]),
      listForUser: tuple(or(userId), page),
      recent: tuple(page),
      addNote: tuple(or(userId), or(text), or(text, fc.constant(null))),
      recordContact: tuple(or(userId), changeOptions),
    },
    posts: {
      ...base(seed.postIds),
      findByFacebookId: tuple(or(pick(seed.facebookPostIds))),
      upsertByFacebookId: tuple(postInput),
      updateEngagement: tuple(or(pick(seed.facebookPostIds)), record({ likes: count, comments: count, shares: count })),
      top: tuple(record({ by: fc.constantFrom('likes', 'comments', 'shares', 'engagement', 'constructor', 'toString'), limit: limit(100) })),
      delete: tuple(victim(seed.victims.posts)),
    },
    adCampaigns: {
      ...base(seed.campaignIds),
      findByFacebookId: tuple(or(pick(seed.facebookCampaignIds))),
      upsertByFacebookId: tuple(campaignInput),
      recordMetrics: tuple(or(pick(seed.facebookCampaignIds)), record({ impressions: bigCount, clicks: bigCount, conversions: bigCount, spendMinor: bigCount })),
      performance: tuple(or(someId(seed.campaignIds))),
      list: tuple(record({ limit: limit(500), cursor, status: enumOf(AdCampaignStatus) })),
      delete: tuple(victim(seed.victims.campaigns)),
    },
    settings: {
      ...base([1, 2, 3]),
      get: tuple(settingKey),
      getOrDefault: tuple(settingKey, settingValue),
      set: tuple(settingKey, settingValue, record({ category: text, description: text, sensitive: fc.boolean() })),
      list: tuple(record({ category: fc.constantFrom('general', 'ai') })),
      delete: tuple(or(uniq('prop.key'))),
    },
  };
}

/** Fills a database with a little of everything, and collects real cursors of every list. */
async function seed(db: Database, engine: EngineName): Promise<Seed> {
  const users = [];
  for (let i = 0; i < 4; i++) {
    users.push(await db.users.create({ psid: `seed-psid-${engine}-${i}`, phoneNumber: `+2011${String(10_000_000 + i)}`, firstName: `Seed ${i}` }));
  }
  const posts = [await db.posts.upsertByFacebookId({ facebookPostId: 'seed-post-1', likesCount: 5 }), await db.posts.upsertByFacebookId({ facebookPostId: 'seed-post-2' })];
  const campaigns = [
    await db.adCampaigns.upsertByFacebookId({ facebookCampaignId: 'seed-campaign-1', name: 'One' }),
    await db.adCampaigns.upsertByFacebookId({ facebookCampaignId: 'seed-campaign-2', name: 'Two' }),
  ];
  const externalIds: string[] = [];
  const messageIds: number[] = [];
  for (let i = 0; i < 6; i++) {
    const mid = `seed-mid-${engine}-${i}`;
    const message = await db.messages.recordInbound({
      userId: users[i % 2]!.id,
      source: i % 3 === 0 ? MessageSource.WHATSAPP : MessageSource.MESSENGER,
      text: `hello ${i}`,
      facebookMessageId: mid,
      postId: posts[0]!.id,
      adCampaignId: campaigns[0]!.id,
    });
    externalIds.push(mid);
    messageIds.push(message.id);
  }
  for (let i = 0; i < 3; i++) await db.leadActivities.addNote(users[0]!.id, `note ${i}`, 'seed');
  await db.users.changeLeadStage(users[0]!.id, LeadStage.HOT);
  await db.conversations.getOrOpen(users[2]!.id, MessageSource.MANUAL);
  await db.settings.set('seed.string', 'text');
  await db.settings.set('seed.number', 3);
  await db.settings.set('seed.json', { a: [1, 2] });
  const firstConversation = (await db.messages.findById(messageIds[2]!))!.conversationId;
  const cursor = (page: { nextCursor: string | null }, list: string): string => {
    if (page.nextCursor === null) throw new Error(`the seed gives ${list} no second page`);
    return page.nextCursor;
  };
  const cursors: Record<string, string> = {
    'users.search': cursor(await db.users.search({ limit: 1 }), 'users.search'),
    'conversations.inbox': cursor(await db.conversations.inbox({ limit: 1 }), 'conversations.inbox'),
    'conversations.listForUser': cursor(await db.conversations.listForUser(users[0]!.id, { limit: 1 }), 'conversations.listForUser'),
    'messages.listForUser': cursor(await db.messages.listForUser(users[0]!.id, { limit: 1 }), 'messages.listForUser'),
    'messages.listForConversation': cursor(await db.messages.listForConversation(firstConversation, { limit: 1 }), 'messages.listForConversation'),
    'leadActivities.listForUser': cursor(await db.leadActivities.listForUser(users[0]!.id, { limit: 1 }), 'leadActivities.listForUser'),
    'leadActivities.recent': cursor(await db.leadActivities.recent({ limit: 1 }), 'leadActivities.recent'),
    'adCampaigns.list': cursor(await db.adCampaigns.list({ limit: 1 }), 'adCampaigns.list'),
    'messages.search': cursor(await db.messages.search('hello', { limit: 1 }), 'messages.search'),
    'conversations.search': cursor(await db.conversations.search('hello', { limit: 1 }), 'conversations.search'),
  };
  const conversationIds = [...new Set((await db.conversations.inbox({ limit: 50 })).items.map((c) => c.id))];
  const victims = { users: [] as number[], erased: [] as number[], conversations: [] as number[], posts: [] as number[], campaigns: [] as number[] };
  const erasureCodes: string[] = [];
  for (let i = 0; i < 3; i++) {
    const user = await db.users.create({ psid: `victim-${engine}-${i}` });
    victims.users.push(user.id);
    // Erase victims have history to erase: a name, a message with a text, a note.
    const erased = await db.users.create({ psid: `erase-victim-${engine}-${i}`, phoneNumber: `+2012${String(10_000_000 + i)}`, firstName: `Erase ${i}` });
    await db.messages.recordInbound({ userId: erased.id, source: MessageSource.MESSENGER, text: `private ${i}`, facebookMessageId: `erase-mid-${engine}-${i}` });
    await db.leadActivities.addNote(erased.id, `about Erase ${i}`, 'seed');
    victims.erased.push(erased.id);
    victims.conversations.push((await db.conversations.getOrOpen(user.id, MessageSource.MESSENGER)).id);
    victims.posts.push((await db.posts.upsertByFacebookId({ facebookPostId: `victim-post-${i}` })).id);
    victims.campaigns.push((await db.adCampaigns.upsertByFacebookId({ facebookCampaignId: `victim-campaign-${i}`, name: 'Victim' })).id);
  }
  erasureCodes.push((await db.users.erase((await db.users.create({ psid: `erased-${engine}` })).id, { performedBy: 'seed' })).confirmationCode);
  return {
    userIds: users.map((u) => u.id),
    psids: users.map((u) => u.psid!),
    phones: users.map((u) => u.phoneNumber!),
    conversationIds,
    messageIds,
    externalIds,
    postIds: posts.map((p) => p.id),
    facebookPostIds: posts.map((p) => p.facebookPostId),
    campaignIds: campaigns.map((c) => c.id),
    facebookCampaignIds: campaigns.map((c) => c.facebookCampaignId),
    settingKeys: ['seed.string', 'seed.number', 'seed.json'],
    erasureCodes,
    victims,
    cursors,
  };
}

/**
 * A cheap fingerprint of every table: row count, sum of ids, total length of
 * every column's text and the latest `updated_at`, in one statement. Any
 * committed insert, delete or update (which moves `updated_at`) changes it.
 */
function fingerprintSql(db: Database): string {
  const parts: string[] = [];
  for (const entity of ENTITIES) {
    const metadata = db.dataSource.getMetadata(entity);
    const table = `"${metadata.tableName}"`;
    const lengths = metadata.columns.map((c) => `COALESCE(LENGTH(CAST("${c.databaseName}" AS text)), 0)`).join(' + ');
    const updated = metadata.columns.some((c) => c.databaseName === 'updated_at') ? `MAX(CAST("updated_at" AS text))` : `''`;
    parts.push(`(SELECT CAST(COUNT(*) AS text) || ':' || CAST(COALESCE(SUM("id"), 0) AS text) || ':' || CAST(COALESCE(SUM(${lengths}), 0) AS text) || ':' || COALESCE(${updated}, '') FROM ${table}) AS "${metadata.tableName}"`);
  }
  return `SELECT ${parts.join(', ')}`;
}

describe('the public repository API', () => {
  it('has an argument model for exactly the public methods of every repository', () => {
    const models = argumentModels(
      { userIds: [1], psids: ['p'], phones: ['+201000000000'], conversationIds: [1], messageIds: [1], externalIds: ['m'], postIds: [1], facebookPostIds: ['p'], campaignIds: [1], facebookCampaignIds: ['c'], settingKeys: ['k'], erasureCodes: ['c'], victims: { users: [1], erased: [1], conversations: [1], posts: [1], campaigns: [1] }, cursors: { x: 'WyJ4IixudWxsLDFd' } },
      [0],
    );
    for (const [name, cls] of Object.entries(REPOSITORIES) as Array<[RepositoryName, { prototype: object }]>) {
      expect({ repository: name, methods: Object.keys(models[name]).sort() }).toEqual({ repository: name, methods: publicMethods(cls) });
    }
  });
});

describe.each(engines())('every public repository method with arbitrary arguments on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let models: Record<RepositoryName, Record<string, fc.Arbitrary<unknown[]>>>;
  let fingerprint: () => Promise<string>;

  beforeAll(async () => {
    models = argumentModels(await seed(suite.db, engine), hostileValues());
    const sql = fingerprintSql(suite.db);
    fingerprint = async () => JSON.stringify(await suite.db.manager.query(sql));
  });
  const tally = new Map<string, number>();
  afterAll(async () => {
    if (process.env['PROPERTY_DEBUG']) console.log([...tally].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
  });

  /** Calls the method: whether it resolved, or the error it rejected with. */
  async function call(repository: RepositoryName, method: string, args: readonly unknown[]): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const target = suite.db[repository] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    try {
      await target[method]!(...args);
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    }
  }

  for (const [repository, cls] of Object.entries(REPOSITORIES) as Array<[RepositoryName, { prototype: object }]>) {
    for (const method of publicMethods(cls)) {
      it(`${repository}.${method} resolves or rejects typed, and changes no table when it rejects`, async () => {
        const model = models[repository][method];
        if (!model) throw new Error(`no argument model for ${repository}.${method}`);
        await fc.assert(
          fc.asyncProperty(model, async (args) => {
            const before = await fingerprint();
            const outcome = await call(repository, method, args);
            if (process.env['PROPERTY_DEBUG']) {
              const key = `${engine} ${repository}.${method} ${outcome.ok ? 'ok' : (outcome.error as { code?: string }).code}`;
              tally.set(key, (tally.get(key) ?? 0) + 1);
            }
            if (!outcome.ok) {
              if (!isMigochatDbError(outcome.error)) throw outcome.error;
              expect(await fingerprint()).toBe(before);
            }
          }),
          { numRuns: RUNS },
        );
      });
    }
  }
});
