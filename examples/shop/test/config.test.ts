// The shop's defaults are the safe configuration: against the real MixPay only MixPay's callback
// address is let in; a signing secret, when given, is required; the budget is shared by priority.
import { MIXPAY_CALLBACK_IPS } from '@payhook/merchant';
import { describe, expect, it } from 'vitest';
import { loadShopConfig } from '../src/config.js';

describe('shop configuration', () => {
  it('against the real MixPay: only MixPay’s callback address may post callbacks', () => {
    const config = loadShopConfig({ MIXPAY_API_BASE: 'https://api.mixpay.me/v1' });
    expect(config.allowedIps).toEqual([...MIXPAY_CALLBACK_IPS]);
    expect(config.allowedIps).toEqual(['52.198.117.57']);
    expect(config.checkoutBase).toBe('https://mixpay.me');
  });

  it('against a payhook gateway: no address default (the gateway is not MixPay), unsigned unless told', () => {
    const config = loadShopConfig({ MIXPAY_API_BASE: 'http://127.0.0.1:8080/v1' });
    expect(config.allowedIps).toEqual([]);
    expect(config.signingSecrets).toEqual([]);
    expect(loadShopConfig({}).allowedIps).toEqual([]);
  });

  it('an explicit list, or `any`, replaces the default', () => {
    const real = { MIXPAY_API_BASE: 'https://api.mixpay.me/v1' };
    expect(loadShopConfig({ ...real, MIXPAY_ALLOWED_IPS: 'any' }).allowedIps).toEqual([]);
    expect(loadShopConfig({ ...real, MIXPAY_ALLOWED_IPS: ' 10.0.0.1, 10.0.0.0/8 ' }).allowedIps).toEqual([
      '10.0.0.1',
      '10.0.0.0/8',
    ]);
  });

  it('takes the signing secret(s), several while rotating', () => {
    expect(loadShopConfig({ PAYHOOK_SIGNING_SECRET: 'whsec_a,whsec_b' }).signingSecrets).toEqual([
      'whsec_a',
      'whsec_b',
    ]);
  });

  it('budgets: 60 a minute, 10 kept for creation, 10 more for callbacks; a 5 s lookup window', () => {
    expect(loadShopConfig({})).toMatchObject({
      requestsPerMinute: 60,
      reservedForCreation: 10,
      reservedForCallbacks: 10,
      lookupWindowMs: 5_000,
    });
    expect(
      loadShopConfig({
        MIXPAY_REQUESTS_PER_MINUTE: '120',
        MIXPAY_RESERVED_FOR_CREATION: '30',
        MIXPAY_RESERVED_FOR_CALLBACKS: '60',
        CALLBACK_LOOKUP_WINDOW: '2.5',
      }),
    ).toMatchObject({
      requestsPerMinute: 120,
      reservedForCreation: 30,
      reservedForCallbacks: 60,
      lookupWindowMs: 2_500,
    });
    expect(() => loadShopConfig({ MIXPAY_RESERVED_FOR_CREATION: '30', MIXPAY_RESERVED_FOR_CALLBACKS: '30' })).toThrow(
      /must be less than MIXPAY_REQUESTS_PER_MINUTE/,
    );
    expect(() => loadShopConfig({ CALLBACK_LOOKUP_WINDOW: 'soon' })).toThrow(/CALLBACK_LOOKUP_WINDOW/);
  });
});
