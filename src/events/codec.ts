/**
 * Events as text, for the `events` table (SQLite) and `pg_notify` payloads
 * (PostgreSQL): a JSON array of events, dates as ISO text.
 *
 * @internal
 * @module
 */
import type { DomainEvent } from './types';

/** PostgreSQL refuses a payload of 8000 bytes or more; stay well under it. */
export const MAX_PAYLOAD_BYTES = 7000;

/** The events as one JSON array. */
export function encodeEvents(events: readonly DomainEvent[]): string {
  return JSON.stringify(events);
}

/**
 * The events as JSON arrays of at most {@link MAX_PAYLOAD_BYTES} bytes each,
 * in order (an event is a few hundred bytes at most: its preview is short).
 */
export function encodeChunks(events: readonly DomainEvent[], maxBytes = MAX_PAYLOAD_BYTES): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const event of events) {
    const text = JSON.stringify(event);
    const size = Buffer.byteLength(text) + 1;
    if (parts.length > 0 && bytes + size > maxBytes) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(text);
    bytes += size;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(',')}]`);
  return chunks;
}

/** The events of one payload; `sentAt` back as a Date. Throws on text that is not a JSON array. */
export function decodeEvents(text: string): DomainEvent[] {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed)) throw new TypeError('an events payload must be a JSON array');
  return parsed.map((raw: Record<string, unknown>) =>
    raw['type'] === 'message.recorded' ? ({ ...raw, sentAt: new Date(String(raw['sentAt'])) } as unknown as DomainEvent) : (raw as unknown as DomainEvent),
  );
}
