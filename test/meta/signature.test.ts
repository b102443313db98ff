import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/meta/index';
import { fixtureBytes } from '../support/meta-fixtures';

const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const raw = fixtureBytes('messenger-text');
const sign = (body: Buffer | string, secret = SECRET): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('verifyWebhookSignature', () => {
  it('accepts the HMAC-SHA256 of the raw bytes with the app secret, as a Buffer or a string', () => {
    expect(verifyWebhookSignature(raw, sign(raw), SECRET)).toBe(true);
    expect(verifyWebhookSignature(raw.toString('utf8'), sign(raw), SECRET)).toBe(true);
  });

  it('accepts the hex digest in upper case', () => {
    expect(verifyWebhookSignature(raw, `sha256=${sign(raw).slice(7).toUpperCase()}`, SECRET)).toBe(true);
  });

  it('refuses a body signed with another secret', () => {
    expect(verifyWebhookSignature(raw, sign(raw, 'another-secret'), SECRET)).toBe(false);
  });

  it('refuses a body that was parsed and serialised again', () => {
    const body = Buffer.from(JSON.stringify({ object: 'page', entry: [{ text: 'Caf\u00e9 / menu' }] }).replace('\u00e9', '\\u00e9').replace(' / ', ' \\/ '));
    const reserialised = JSON.stringify(JSON.parse(body.toString('utf8')));
    expect(verifyWebhookSignature(body, sign(body), SECRET)).toBe(true);
    expect(verifyWebhookSignature(reserialised, sign(body), SECRET)).toBe(false);
  });

  it('refuses a changed byte', () => {
    const changed = Buffer.from(raw);
    changed[10] = changed[10]! ^ 1;
    expect(verifyWebhookSignature(changed, sign(raw), SECRET)).toBe(false);
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['the old sha1 header', `sha1=${createHmac('sha1', SECRET).update(raw).digest('hex')}`],
    ['a digest without its prefix', sign(raw).slice(7)],
    ['a short digest', sign(raw).slice(0, 40)],
    ['a digest that is not hex', `sha256=${'z'.repeat(64)}`],
  ])('answers false, without throwing, for %s', (_name, header) => {
    expect(verifyWebhookSignature(raw, header, SECRET)).toBe(false);
  });

  it('answers false for an empty secret and for a body that is neither a Buffer nor a string', () => {
    expect(verifyWebhookSignature(raw, sign(raw, ''), '')).toBe(false);
    expect(verifyWebhookSignature({} as unknown as Buffer, sign(raw), SECRET)).toBe(false);
  });
});
