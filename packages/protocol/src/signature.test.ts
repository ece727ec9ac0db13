// One signed callback: Standard Webhooks' three headers, verifiable by the library itself.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signatureHeaders } from './signature.js';

const SECRET = `whsec_${Buffer.from('payhook-protocol-test-secret-32b').toString('base64')}`;
const BODY = '{"orderId":"order-123","traceId":"","payeeId":"p-1"}';

describe('signatureHeaders', () => {
  it('signs id, whole seconds and the exact body under webhook-* headers', () => {
    const headers = signatureHeaders(SECRET, 'evt-1', 1_700_000_000_999, BODY);
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-id']).toBe('evt-1');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verifier = new Webhook(SECRET);
    // The library refuses stale timestamps against the real clock; re-sign "now" to check the bytes.
    const now = signatureHeaders(SECRET, 'evt-1', Date.now(), BODY);
    expect(verifier.verify(BODY, now)).toEqual(JSON.parse(BODY));
    expect(() => verifier.verify(`${BODY} `, now)).toThrow();
  });
});

describe('signatureHeaders with several secrets (a rotation)', () => {
  const OLD = `whsec_${Buffer.from('payhook-protocol-test-secret-old').toString('base64')}`;

  it('lists one signature per secret, in order, in one header that either secret verifies', () => {
    const now = Date.now();
    const both = signatureHeaders([SECRET, OLD], 'evt-1', now, BODY);
    const [fresh, old] = (both['webhook-signature'] as string).split(' ');
    expect(fresh).toBe(signatureHeaders(SECRET, 'evt-1', now, BODY)['webhook-signature']);
    expect(old).toBe(signatureHeaders(OLD, 'evt-1', now, BODY)['webhook-signature']);
    expect(new Webhook(SECRET).verify(BODY, both)).toEqual(JSON.parse(BODY));
    expect(new Webhook(OLD).verify(BODY, both)).toEqual(JSON.parse(BODY));
    const stranger = `whsec_${Buffer.from('payhook-protocol-test-secret-xyz').toString('base64')}`;
    expect(() => new Webhook(stranger).verify(BODY, both)).toThrow();
    expect(signatureHeaders([SECRET], 'evt-1', 0, BODY)).toEqual(signatureHeaders(SECRET, 'evt-1', 0, BODY));
    expect(() => signatureHeaders([], 'evt-1', 0, BODY)).toThrow(/at least one secret/);
  });
});
