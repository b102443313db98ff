// Events as text: pg_notify payloads stay under PostgreSQL's 8000-byte limit, in order, and read back as they were.
import { describe, expect, it } from 'vitest';
import { MessageDirection, MessageKind, MessageSource } from '../../src/enums';
import { decodeEvents, encodeChunks, encodeEvents, MAX_PAYLOAD_BYTES } from '../../src/events/codec';
import type { DomainEvent } from '../../src/events/types';

const message = (i: number, preview: string): DomainEvent => ({
  type: 'message.recorded',
  messageId: i,
  conversationId: 7,
  userId: 3,
  direction: MessageDirection.INBOUND,
  source: MessageSource.WHATSAPP,
  kind: MessageKind.TEXT,
  sentAt: new Date(Date.UTC(2026, 11, 2, 8, 0, i)),
  preview,
});

describe('events codec', () => {
  it('splits many events into payloads under the limit, counting bytes, not characters, in order', () => {
    const events = Array.from({ length: 500 }, (_, i) => message(i + 1, 'مرحبا 👋 '.repeat(11)));
    const chunks = encodeChunks(events);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(chunks.flatMap(decodeEvents)).toEqual(events);
  });

  it('reads a payload back with sentAt as a Date', () => {
    const [event] = decodeEvents(encodeEvents([message(1, 'hi')]));
    expect(event).toEqual(message(1, 'hi'));
    expect(event?.type === 'message.recorded' && event.sentAt instanceof Date).toBe(true);
  });

  it('refuses a payload that is not a JSON array', () => {
    expect(() => decodeEvents('{"type":"gap"}')).toThrow(TypeError);
  });
});
