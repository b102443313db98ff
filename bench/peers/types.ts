/**
 * What every contender of the benchmark implements: the library's hot paths,
 * done its own way, returning the same rows (checked by bench/peers/equality.ts
 * before anything is timed).
 */

export type Engine = 'sqlite' | 'postgres';

/** One inbound message as the bench generates it (epoch ms for the time). */
export interface IngestInput {
  userId: number;
  source: 'messenger' | 'whatsapp';
  text: string;
  fb: string | null;
  wa: string | null;
  at: number;
}

/** The inbox keyset cursor: the last row's `last_message_at` (epoch ms) and `id`. */
export interface InboxAfter {
  at: number;
  id: number;
}

/** A row as the comparison sees it: column name (snake_case) to a normalised value. */
export type CanonRow = Record<string, unknown>;

/** The library's tables as the equality check sees them (from its entity metadata). */
export interface Shapes {
  user: import('./canonical').TableShape;
  conversation: import('./canonical').TableShape;
  message: import('./canonical').TableShape;
}

/**
 * A contender. Each method does the library call's work and returns what that
 * contender naturally returns; the `view` methods (never timed) turn it into
 * rows the equality check can compare.
 */
export interface Peer {
  readonly name: string;
  findByPsid(psid: string): Promise<unknown>;
  /** The first inbox page (after = undefined) or the page after a cursor: PAGE + 1 rows, conversation and user. */
  inbox(after?: InboxAfter): Promise<unknown>;
  /** The newest LIST + 1 messages of a user, in the shared order (queries.ts). */
  listForUser(userId: number): Promise<unknown>;
  /** One message with the full bookkeeping, in one transaction; returns the message (recorded now or before). */
  recordInbound(input: IngestInput): Promise<unknown>;
  /** Many, in one transaction; returns the messages in input order. */
  recordInboundBatch(inputs: readonly IngestInput[]): Promise<unknown>;
  readonly view: {
    user(result: unknown): CanonRow | null;
    /** The page's rows (at most PAGE) and whether there is a next page. */
    inbox(result: unknown): { rows: Array<{ conversation: CanonRow; user: CanonRow }>; more: boolean };
    messages(result: unknown): { rows: CanonRow[]; more: boolean };
    message(result: unknown): CanonRow;
    batch(result: unknown): CanonRow[];
  };
  close(): Promise<void>;
}
