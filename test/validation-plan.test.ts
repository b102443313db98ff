// The validation plan (src/validation-plan.ts) decides only "passes"; it must
// never pass an entity class-validator refuses, and must pass valid ones (or
// the fast path is never taken).
import 'reflect-metadata';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTITIES } from '../src/entities/all';
import { Message } from '../src/entities/message.entity';
import { User } from '../src/entities/user.entity';
import { CustomerLabel, LeadStage, MessageDirection, MessageSource, MessageStatus } from '../src/enums';
import { passesDecorators } from '../src/validation-plan';

/** Values that break or meet the usual rules: types, bounds, lengths, enums, dates. */
const interesting = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, '', ' ', 'a', 'x'.repeat(16), 'x'.repeat(65), 'x'.repeat(256), 'x'.repeat(501), 'x'.repeat(4001)),
  fc.constantFrom<unknown>(0, -1, 1, 100, 101, 2_147_483_647, 2_147_483_648, 1.5, Number.NaN, Infinity, -Infinity),
  fc.constantFrom<unknown>(true, false, 'true', [], {}, [1], new Date(Number.NaN), new Date(0), new Date(), new Date(8.64e15)),
  fc.constantFrom<unknown>('+201001234567', '201001234567', 'https://example.com/p.png', 'not a url', 'a@b.co', 'nope@'),
  fc.constantFrom<unknown>(...Object.values(MessageSource), ...Object.values(MessageStatus), ...Object.values(MessageDirection)),
  fc.constantFrom<unknown>(...Object.values(LeadStage), ...Object.values(CustomerLabel), 'unknown-value'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
);

/** The property names class-validator knows for an entity (its columns). */
function propertiesOf(target: Function): string[] {
  const sample = new (target as new () => object)();
  return Object.keys(sample).length > 0 ? Object.keys(sample) : [];
}

describe('validation plan', () => {
  for (const target of ENTITIES) {
    it(`never passes a ${target.name} that class-validator refuses`, async () => {
      const names = [
        ...new Set([
          ...propertiesOf(target),
          // Columns of the entity, from the decorators class-validator recorded.
          ...(await validate(new (target as new () => object)(), { forbidUnknownValues: false })).map((e) => e.property),
        ]),
      ];
      expect(names.length).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...names), interesting, { maxKeys: names.length }), async (values) => {
          const entity = Object.assign(new (target as new () => object)(), values);
          if (passesDecorators(entity)) {
            const errors = await validate(entity, { forbidUnknownValues: false });
            expect(errors.map((e) => e.property)).toEqual([]);
          }
        }),
        { numRuns: 400 },
      );
    });
  }

  it('passes a valid inbound message, so recording one takes the fast path', () => {
    const message = Object.assign(new Message(), {
      userId: 1,
      conversationId: 0,
      facebookMessageId: 'm_1',
      whatsappMessageId: null,
      text: 'hello',
      attachments: null,
      direction: MessageDirection.INBOUND,
      status: MessageStatus.SENT,
      source: MessageSource.MESSENGER,
      isAiResponse: false,
      aiResponseTimeMs: null,
      postId: null,
      adCampaignId: null,
      sentAt: new Date(),
      deliveredAt: null,
      readAt: null,
    });
    expect(passesDecorators(message)).toBe(true);
  });

  it('does not pass a user whose phone number breaks the E.164 rule', () => {
    expect(passesDecorators(Object.assign(new User(), { phoneNumber: 'not-a-number' }))).toBe(false);
  });
});
