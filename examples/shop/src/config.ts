// The shop's configuration: environment variables that outside tests rely on.
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
  allowedIps: string[];
  trustedProxies: string[];
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
  MIXPAY_ALLOWED_IPS: list,
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
    allowedIps: e.MIXPAY_ALLOWED_IPS,
    trustedProxies: e.TRUSTED_PROXIES,
    settlementAssetId: e.SETTLEMENT_ASSET_ID,
    reconcileAfterMs: e.RECONCILE_AFTER,
    reconcileIntervalMs: e.RECONCILE_INTERVAL,
  };
}
