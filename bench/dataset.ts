/**
 * Deterministic bench dataset: the same --users/--messages always give the
 * same rows. Loaded with the raw drivers (better-sqlite3 prepared statements in
 * one transaction; pg multi-row INSERT batches), never through the library.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Client } from 'pg';
import { normalizeSearchText } from '../src/search/normalize';

/** Sizes of a dataset. */
export interface DatasetSize {
  users: number;
  messages: number;
  campaigns: number;
}

/** How rows are loaded. */
export interface LoadOptions {
  /** Fill `messages.search_text` (default true); false for a database before the search migration. */
  searchText?: boolean;
}

/** What the runner needs to know about the loaded rows (ids are 1-based and dense). */
export interface DatasetInfo extends DatasetSize {
  conversations: number;
}

const SOURCES = ['messenger', 'whatsapp'] as const;
const STAGES = ['new', 'contacted', 'qualified', 'hot', 'proposal', 'negotiation', 'closed_won', 'closed_lost'] as const;
const BASE_MS = Date.UTC(2025, 0, 1);

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** SQLite's stored timestamp text (UTC, milliseconds). */
export function sqliteTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** When message `i` (0-based) was sent: one a second from 2025-01-01. */
export function messageTime(i: number): number {
  return BASE_MS + i * 1000;
}

/**
 * The words of message texts, most frequent first (drawn Zipf-like: word k
 * about 1/(k+1) as often as the first): CRM chatter in English, Egyptian
 * Arabic and Franco-Arabic, so a two-word search has a realistic number of
 * matches (mid-ranked words: a few per cent of messages each).
 */
export const TEXT_WORDS = (
  'the price كام you السعر is في delivery عايز how متاح do الشحن size مقاس have لو black اسود much ازاي ' +
  'xl لارج available بكام order اوردر one واحد blue ازرق cash الدفع tomorrow بكره color اللون red احمر ' +
  'cairo القاهره giza الجيزه stock موجود white ابيض large كبير small صغير shipping التوصيل dress فستان ' +
  'shoes جزمه bag شنطه offer عرض discount خصم please لو_سمحت thanks شكرا still لسه want محتاج ' +
  'navy كحلي green اخضر medium وسط cotton قطن return مرتجع exchange استبدال week الاسبوع ' +
  'alex اسكندريه mansoura المنصوره assiut اسيوط kam el 3ayez mota7 ezay bkam gamed tamam'
)
  .split(' ')
  .map((w) => w.replace(/_/g, ' '));

/**
 * Two-word searches, English and Arabic (what `npm run bench` times, in turn):
 * from common pairs (`السعر مقاس`, price and size, about 2% of messages) to
 * rarer ones (`cash tomorrow`); the bench prints how many messages each matches.
 */
export const SEARCH_QUERIES = ['black xl', 'اسود لارج', 'delivery giza', 'السعر مقاس', 'blue large', 'عايز فستان', 'cash tomorrow', 'الشحن اسكندريه'];

/** A message text of 4 to 11 words (and, for one in five, an emoji). */
function textMaker(seed: number): () => string {
  const random = rng(seed);
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < TEXT_WORDS.length; k++) cumulative.push((total += 1 / (k + 1)));
  const word = (): string => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return TEXT_WORDS[lo]!;
  };
  return () => {
    const n = 4 + Math.floor(random() * 8);
    const words = Array.from({ length: n }, word);
    if (random() < 0.2) words.push('\u{1F525}');
    return `${words.join(' ')}?`;
  };
}

interface Row {
  table: 'users' | 'ad_campaigns' | 'conversations' | 'messages';
  values: unknown[];
}

const COLUMNS: Record<Row['table'], string[]> = {
  users: ['id', 'psid', 'phone_number', 'first_name', 'lead_stage', 'primary_source', 'last_message_at', 'created_at', 'updated_at'],
  ad_campaigns: ['id', 'facebook_campaign_id', 'name', 'impressions', 'clicks', 'conversions', 'spend_minor'],
  conversations: ['id', 'user_id', 'source', 'is_active', 'message_count', 'last_message_text', 'last_message_at', 'started_at', 'created_at', 'updated_at'],
  messages: ['id', 'user_id', 'conversation_id', 'facebook_message_id', 'whatsapp_message_id', 'text', 'search_text', 'direction', 'source', 'ad_campaign_id', 'sent_at', 'created_at', 'updated_at'],
};

/** The columns loaded into `table`: `search_text` only when asked for. */
function columnsOf(table: Row['table'], options: LoadOptions): string[] {
  return options.searchText === false ? COLUMNS[table].filter((c) => c !== 'search_text') : COLUMNS[table];
}

/** Rows in insertion order (users, campaigns, conversations, messages); timestamps as epoch ms. */
function* rows(size: DatasetSize, options: LoadOptions): Generator<Row> {
  const random = rng(42);
  // Texts from a stream of their own, so the other columns stay what they always were.
  const nextText = textMaker(7);
  const withSearchText = options.searchText !== false;
  const conversations = size.users; // one per user
  const convOf = new Int32Array(size.messages);
  const count = new Int32Array(conversations);
  const last = new Int32Array(conversations).fill(-1);
  for (let i = 0; i < size.messages; i++) {
    const c = Math.floor(random() * conversations);
    convOf[i] = c;
    count[c]!++;
    last[c] = i;
  }
  for (let u = 0; u < size.users; u++) {
    const l = last[u]!;
    yield {
      table: 'users',
      values: [
        u + 1,
        `psid-${u + 1}`,
        u % 2 === 0 ? `+2011${String(u + 1).padStart(8, '0')}` : null,
        `User ${u + 1}`,
        STAGES[Math.floor(random() * STAGES.length)],
        SOURCES[u % 2],
        l < 0 ? null : messageTime(l),
        BASE_MS - 86_400_000,
        BASE_MS - 86_400_000,
      ],
    };
  }
  for (let a = 0; a < size.campaigns; a++) {
    yield { table: 'ad_campaigns', values: [a + 1, `cmp-${a + 1}`, `Campaign ${a + 1}`, 100_000 + a, 2_000 + a, 50 + a, 500_000 + a] };
  }
  for (let c = 0; c < conversations; c++) {
    const l = last[c]!;
    yield {
      table: 'conversations',
      values: [
        c + 1,
        c + 1,
        SOURCES[c % 2],
        c % 10 === 9 ? 0 : 1,
        count[c],
        l < 0 ? null : `Message ${l}`,
        l < 0 ? null : messageTime(l),
        BASE_MS - 86_400_000,
        BASE_MS - 86_400_000,
        BASE_MS - 86_400_000,
      ],
    };
  }
  for (let i = 0; i < size.messages; i++) {
    const c = convOf[i]!;
    const source = SOURCES[c % 2]!;
    const t = messageTime(i);
    // One message in seven was recorded three days after it was sent (a webhook retried late),
    // so ordering by `sent_at` and by `created_at` differ, and the bench's equality check sees
    // which one a list uses.
    const recorded = i % 7 === 3 ? t + 3 * 86_400_000 : t;
    const text = nextText();
    yield {
      table: 'messages',
      values: [
        i + 1,
        c + 1,
        c + 1,
        source === 'messenger' ? `mid.${i + 1}` : null,
        source === 'whatsapp' ? `wamid.${i + 1}` : null,
        text,
        ...(withSearchText ? [normalizeSearchText(text)] : []),
        i % 3 === 0 ? 'outbound' : 'inbound',
        source,
        size.campaigns > 0 && i % 20 === 0 ? (i % size.campaigns) + 1 : null,
        t,
        recorded,
        recorded,
      ],
    };
  }
}

const TIME_COLUMNS = new Set(['last_message_at', 'created_at', 'updated_at', 'started_at', 'sent_at']);

/** Loads the dataset into an empty migrated SQLite file, in one transaction. */
export function loadSqlite(raw: BetterSqlite3.Database, size: DatasetSize, options: LoadOptions = {}): DatasetInfo {
  const columns = Object.fromEntries(Object.keys(COLUMNS).map((t) => [t, columnsOf(t as Row['table'], options)])) as Record<Row['table'], string[]>;
  const statements = Object.fromEntries(
    Object.entries(columns).map(([table, cols]) => [
      table,
      raw.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`),
    ]),
  ) as Record<Row['table'], BetterSqlite3.Statement>;
  const timeIdx = Object.fromEntries(
    Object.entries(columns).map(([t, cols]) => [t, cols.map((c, i) => (TIME_COLUMNS.has(c) ? i : -1)).filter((i) => i >= 0)]),
  ) as Record<Row['table'], number[]>;
  raw.transaction(() => {
    for (const row of rows(size, options)) {
      for (const i of timeIdx[row.table]) if (row.values[i] !== null) row.values[i] = sqliteTime(row.values[i] as number);
      statements[row.table].run(row.values);
    }
  })();
  raw.exec('ANALYZE');
  return { ...size, conversations: size.users };
}

/** Loads the dataset into an empty migrated PostgreSQL database in multi-row INSERT batches. */
export async function loadPostgres(client: Client, size: DatasetSize, options: LoadOptions = {}): Promise<DatasetInfo> {
  const batchRows = 1000;
  let pending: Row[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const table = pending[0]!.table;
    const cols = columnsOf(table, options);
    const params: unknown[] = [];
    const tuples = pending.map((row) => {
      const ph = row.values.map((v, i) => {
        const col = cols[i]!;
        params.push(TIME_COLUMNS.has(col) && v !== null ? new Date(v as number) : col === 'is_active' ? v === 1 : v);
        return `$${params.length}`;
      });
      return `(${ph.join(', ')})`;
    });
    await client.query(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    pending = [];
  };
  await client.query('BEGIN');
  for (const row of rows(size, options)) {
    if (pending.length > 0 && (pending[0]!.table !== row.table || pending.length >= batchRows)) await flush();
    pending.push(row);
  }
  await flush();
  for (const table of Object.keys(COLUMNS)) {
    await client.query(`SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT COALESCE(MAX("id"), 1) FROM "${table}"))`);
  }
  await client.query('COMMIT');
  // What autovacuum does after a bulk insert: with the visibility map set, index-only scans
  // (message_search_terms) read no heap; ANALYZE alone would leave every page unmarked.
  await client.query('VACUUM ANALYZE');
  return { ...size, conversations: size.users };
}
