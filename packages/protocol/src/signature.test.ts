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
