// Every committed webhook fixture, broken one field at a time by fast-check
// (a field deleted, a value of another type, a timestamp in the wrong unit):
// ingestion either records the body or throws WebhookPayloadError naming a
// path at or next to the broken field, and a refused body changes no table.
// Ids are made fresh for every run, so each body has rows to write and a
// half-written one would show.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database';
import { MessageSource } from '../../src/enums';
import { WebhookPayloadError } from '../../src/errors';
import { ingestMessengerWebhook, ingestWhatsAppWebhook } from '../../src/meta/index';
import { useTestDatabase } from '../support/database';
import { engines } from '../support/engines';
import { fixture, PHONE, PSID } from '../support/meta-fixtures';

/** Runs per platform and engine; MALFORMED_RUNS=2000 for a deeper hunt. */
const RUNS = Number(process.env['MALFORMED_RUNS'] ?? 150);

const NAMES = readdirSync(join(__dirname, '..', 'fixtures', 'meta'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const PLATFORMS = {
  messenger: { names: NAMES.filter((n) => n.startsWith('messenger-')), ingest: ingestMessengerWebhook },
  whatsapp: { names: NAMES.filter((n) => n.startsWith('whatsapp-')), ingest: ingestWhatsAppWebhook },
} as const;

/** One step into a body: an object key or an array index. */
type Step = string | number;

/** The path of a field as WebhookPayloadError spells it: `entry[0].messaging[1].timestamp`. */
function spell(steps: readonly Step[]): string {
  return steps.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`), '');
}

/** Every field and array element of `value`, as steps from the body. */
function allPaths(value: unknown, at: Step[] = []): Step[][] {
  const out: Step[][] = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...at, i], ...allPaths(v, [...at, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push([...at, k], ...allPaths(v, [...at, k]));
  return out;
}

/** The object or array holding the field at `steps`. */
function parentOf(body: unknown, steps: readonly Step[]): Record<Step, unknown> {
  let node = body as Record<Step, unknown>;
  for (const s of steps.slice(0, -1)) node = node[s] as Record<Step, unknown>;
  return node;
}

/** Ids made unique for run `n`: each run then has messages and pending statuses to write. */
function freshen(value: unknown, n: number): unknown {
  if (Array.isArray(value)) return value.map((v) => freshen(v, n));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = (k === 'mid' || k === 'id') && typeof v === 'string' ? `${v}.${n}` : freshen(v, n);
  return out;
}

/** An object nested deeper than an attachment may be: the parser keeps media objects as they are, the repositories refuse it. */
const DEEP = Array.from({ length: 40 }).reduce<Record<string, unknown>>((inner) => ({ nested: inner }), { url: 'https://example.com/x.jpg' });

/** Values of the wrong type (or the wrong shape) for almost any field. */
const WRONG = [null, 0, -1, 1.5, '', 'x', '1717171717', true, {}, [], [null], 'x'.repeat(300), 'a\u0000b', '\ud800', DEEP];

type Mutation = { what: 'delete' } | { what: 'replace'; value: unknown } | { what: 'unit'; up: boolean };

/** A fixture, a field of it and what to do to that field. */
function brokenBody(names: readonly string[]): fc.Arbitrary<{ name: string; steps: Step[]; mutation: Mutation }> {
  return fc.constantFrom(...names).chain((name) => {
    const paths = allPaths(fixture(name));
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      { weight: 2, arbitrary: fc.constant({ what: 'delete' as const }) },
      { weight: 3, arbitrary: fc.constantFrom(...WRONG).map((value) => ({ what: 'replace' as const, value })) },
      // Often enough to reach the repositories' refusals, which come after earlier events were written.
      { weight: 1, arbitrary: fc.constant({ what: 'replace' as const, value: DEEP }) },
      { weight: 1, arbitrary: fc.boolean().map((up) => ({ what: 'unit' as const, up })) },
    );
    return fc.record({ name: fc.constant(name), steps: fc.constantFrom(...paths), mutation });
  });
}

/** Applies the mutation; a unit change on a field that is not a time changes nothing (the body then stays valid). */
function breakField(body: unknown, steps: readonly Step[], mutation: Mutation): void {
  const parent = parentOf(body, steps);
  const key = steps[steps.length - 1]!;
  if (mutation.what === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (mutation.what === 'replace') {
    parent[key] = mutation.value;
  } else {
    const v = parent[key];
    // Milliseconds read as seconds and the other way round: Messenger numbers, WhatsApp strings of digits.
    if (typeof v === 'number') parent[key] = mutation.up ? v * 1000 : Math.floor(v / 1000);
    else if (typeof v === 'string' && /^\d+$/.test(v)) parent[key] = mutation.up ? `${v}000` : v.slice(0, -3);
  }
}

/** Whether `a` is `b` or lies inside it, by steps (so `messaging[1]` is not inside `messaging[10]`). */
function within(a: string, b: string): boolean {
  return b === '' || a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
}

/** Every row of every table ingestion writes, in one string: any committed change shows. */
async function snapshot(db: Database): Promise<string> {
  const out: unknown[] = [];
  for (const table of ['users', 'conversations', 'messages', 'lead_activities', 'pending_receipts', 'data_erasures']) {
    out.push(table, await db.manager.query(`SELECT * FROM "${table}" ORDER BY "id"`));
  }
  return JSON.stringify(out);
}

describe.each(engines())('malformed webhook bodies on %s', (engine) => {
  const suite = useTestDatabase(engine);
  let run = 0;

  beforeAll(async () => {
    // Known customers with replies, so receipts and statuses have messages to change before a later event fails.
    const fb = await suite.db.users.findOrCreateByPsid(PSID);
    const wa = await suite.db.users.findOrCreateByPhone(PHONE);
    for (let i = 0; i < 3; i++) {
      await suite.db.messages.recordOutbound({ userId: fb.id, source: MessageSource.MESSENGER, text: 'reply', facebookMessageId: `m_seed_${i}`, sentAt: new Date(1717171717000 - 60_000 * (i + 1)) });
      await suite.db.messages.recordOutbound({ userId: wa.id, source: MessageSource.WHATSAPP, text: 'reply', whatsappMessageId: `wamid.seed.${i}`, sentAt: new Date(1717171717000 - 60_000 * (i + 1)) });
    }
  });

  for (const [platform, { names, ingest }] of Object.entries(PLATFORMS)) {
    it(`records a ${platform} fixture broken in one field or refuses it with WebhookPayloadError at that field, changing no table`, async () => {
      await fc.assert(
        fc.asyncProperty(brokenBody(names), async ({ name, steps, mutation }) => {
          const body = freshen(fixture(name), ++run);
          breakField(body, steps, mutation);
          const broken = spell(steps);
          const before = await snapshot(suite.db);
          let error: unknown = null;
          try {
            const results = await ingest(suite.db, body);
            expect(results.every((r) => typeof r.path === 'string')).toBe(true);
          } catch (e) {
            error = e;
          }
          if (error === null) return;
          if (!(error instanceof WebhookPayloadError)) throw error;
          // At the broken field, at an object holding it (a refused event), or beside it (a `type` naming a missing part).
          const parent = spell(steps.slice(0, -1));
          expect({ broken, path: error.path, near: within(broken, error.path) || within(error.path, parent) }).toEqual({ broken, path: error.path, near: true });
          expect(error.message).toBe(`${error.path === '' ? 'webhook body' : error.path}: ${error.rule}`);
          expect(error.rule.length).toBeGreaterThan(0);
          expect(await snapshot(suite.db)).toBe(before);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
