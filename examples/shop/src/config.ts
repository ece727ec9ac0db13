// The shop's configuration: environment variables that outside tests rely on. The defaults are
// the safe ones: against the real MixPay only MixPay's callback address may post callbacks, and a
// signing secret, when there is one, is required of every callback.
import { MIXPAY_API_BASE, MIXPAY_CALLBACK_IPS } from '@payhook/merchant';
import { z } from 'zod';

export interface ShopConfig {
  port: number;
  host: string;
  databaseUrl: string;
  /** The MixPay API (or a payhook gateway's `…/v1`). */
  apiBase: string;
  /** Where paylinks point: `https://mixpay.me` for MixPay, the gateway's origin for payhook. */
  checkoutBase: string;
  payeeId: string;
  /** The shop's own base URL; its callbackUrl is `${publicUrl}/mixpay/callback`. */
  publicUrl: string;
  /** Who may post callbacks; empty: anyone (then every callback costs a lookup, bounded by the window). */
  allowedIps: string[];
  trustedProxies: string[];
  /** The gateway's `whsec_…` secret(s) for our payee: unsigned callbacks are refused unread. */
  signingSecrets: string[];
  /** The API's limit, and the shares callbacks and the reconciler must leave to creation, then callbacks. */
  requestsPerMinute: number;
  reservedForCreation: number;
  reservedForCallbacks: number;
  /** How long an order seen still waiting is not looked up again for a callback. */
  lookupWindowMs: number;
  settlementAssetId: string;
  reconcileAfterMs: number;
  reconcileIntervalMs: number;
}

const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const seconds = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform((v) => Math.round(Number(v) * 1000));

const schema = z.object({
  PORT: z.string().regex(/^\d+$/).transform(Number).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().default('sqlite:./data/shop.sqlite'),
  MIXPAY_API_BASE: z.url().default('http://127.0.0.1:8080/v1'),
  CHECKOUT_BASE: z.url().optional(),
  PAYEE_ID: z.string().min(1).default('demo-payee'),
  PUBLIC_URL: z.url().optional(),
  // Unset: MixPay's callback address when the API is the real MixPay, anyone otherwise. `any`: anyone.
  MIXPAY_ALLOWED_IPS: z.string().optional(),
  PAYHOOK_SIGNING_SECRET: list,
  MIXPAY_REQUESTS_PER_MINUTE: z.string().regex(/^\d+$/).transform(Number).default(60),
  MIXPAY_RESERVED_FOR_CREATION: z.string().regex(/^\d+$/).transform(Number).optional(),
  MIXPAY_RESERVED_FOR_CALLBACKS: z.string().regex(/^\d+$/).transform(Number).optional(),
  CALLBACK_LOOKUP_WINDOW: seconds.default(5_000),
  TRUSTED_PROXIES: list,
  SETTLEMENT_ASSET_ID: z.string().default('4d8c508b-91c5-375b-92b0-ee702ed2dac5'),
  RECONCILE_AFTER: seconds.default(300_000),
  RECONCILE_INTERVAL: seconds.default(60_000),
});

export function loadShopConfig(env: Record<string, string | undefined> = process.env): ShopConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid shop configuration:\n${lines}`);
  }
  const e = parsed.data;
  const apiOrigin = new URL(e.MIXPAY_API_BASE).origin;
  const realMixPay = apiOrigin === new URL(MIXPAY_API_BASE).origin;
  const perMinute = e.MIXPAY_REQUESTS_PER_MINUTE;
  const reservedForCreation = e.MIXPAY_RESERVED_FOR_CREATION ?? Math.floor(perMinute / 6);
  const reservedForCallbacks = e.MIXPAY_RESERVED_FOR_CALLBACKS ?? Math.floor(perMinute / 6);
  if (perMinute < 1 || reservedForCreation + reservedForCallbacks >= perMinute) {
    throw new Error(
      'invalid shop configuration:\n  - MIXPAY_RESERVED_FOR_CREATION + MIXPAY_RESERVED_FOR_CALLBACKS must be less than MIXPAY_REQUESTS_PER_MINUTE',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    apiBase: e.MIXPAY_API_BASE,
    checkoutBase: (
      e.CHECKOUT_BASE ?? (apiOrigin === 'https://api.mixpay.me' ? 'https://mixpay.me' : apiOrigin)
    ).replace(/\/$/, ''),
    payeeId: e.PAYEE_ID,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    allowedIps: allowedIps(e.MIXPAY_ALLOWED_IPS, realMixPay),
    trustedProxies: e.TRUSTED_PROXIES,
    signingSecrets: e.PAYHOOK_SIGNING_SECRET,
    requestsPerMinute: perMinute,
    reservedForCreation,
    reservedForCallbacks,
    lookupWindowMs: e.CALLBACK_LOOKUP_WINDOW,
    settlementAssetId: e.SETTLEMENT_ASSET_ID,
    reconcileAfterMs: e.RECONCILE_AFTER,
    reconcileIntervalMs: e.RECONCILE_INTERVAL,
  };
}

/**
 * MixPay posts callbacks from one documented address: talking to the real MixPay, nobody else
 * needs to reach the callback endpoint, and refusing them unread keeps a flood from costing
 * anything. A payhook gateway (or a proxy in front of the shop) sends from elsewhere: no default.
 */
function allowedIps(value: string | undefined, realMixPay: boolean): string[] {
  if (value === undefined) return realMixPay ? [...MIXPAY_CALLBACK_IPS] : [];
  if (value.trim().toLowerCase() === 'any') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
