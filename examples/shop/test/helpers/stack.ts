// End-to-end plumbing: a REAL gateway process and a REAL shop process on loopback, each on
// its own SQLite file in a temp dir, plus the HTTP calls and store reads the tests assert with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type GatewayProcess, spawnGateway } from '../../../../packages/gateway/test/helpers/process.js';
import { requestJson } from '../../../../test-support/http.js';
import { type NodeProcess, spawnServer, TSX_SOURCES } from '../../../../test-support/process.js';

export { BTC_ID, USDT_ID } from '../../../../test-support/fixtures.js';
export const SHOP_PAYEE = 'shop-payee';

import { freePort } from '../../../../test-support/net.js';

export interface ShopProcess extends NodeProcess {
  url: string;
  /** SIGTERM (graceful: the shop closes its server and database) and wait for the exit. */
  stop(): Promise<void>;
}

/** Spawns the shop exactly as an operator would run its sources, and waits for its "listening on" line. */
export async function spawnShop(env: Record<string, string>, startTimeoutMs = 20_000): Promise<ShopProcess> {
  const shop = await spawnServer(
    'shop',
    [...TSX_SOURCES, 'examples/shop/src/main.ts'],
    { LOG_LEVEL: 'warn', ...env },
    /shop listening on (http:\/\/\S+)/,
    startTimeoutMs,
  );
  return Object.assign(shop, {
    async stop() {
      const exit = await shop.signal('SIGTERM');
      if (exit.code !== 0) throw new Error(`shop exited with ${exit.code ?? exit.signal}:\n${shop.output()}`);
    },
  });
}

export interface StackOptions {
  /** Extra gateway environment (schedule, settle delay…). */
  gateway?: Record<string, string>;
  /** Extra shop environment (RECONCILE_AFTER…). */
  shop?: Record<string, string>;
  /** Where the shop reads payments_result and creates payments; the gateway's `…/v1` by default. */
  apiBase?: string;
  /** Start no gateway (the shop talks to `apiBase`, a fake). */
  noGateway?: boolean;
}

/** Defaults: MixPay's 10 attempts compressed to ~0.5 s, quick settlement, no reconciling. */
export const FAST_GATEWAY: Record<string, string> = {
  PAYHOOK_RETRY_SCHEDULE: '0,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05,0.05',
  PAYHOOK_ATTEMPT_TIMEOUT: '5',
  PAYHOOK_LEASE: '6',
  PAYHOOK_POLL_INTERVAL: '0.05',
  PAYHOOK_SETTLE_DELAY: '0.3',
  LOG_LEVEL: 'warn',
};

/** Starting a process compiles its TypeScript first: on two shared, busy cores that can take a while. */
const START_TIMEOUT_MS = 45_000;

export class Stack {
  gateway: GatewayProcess | undefined;
  shop!: ShopProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'payhook-shop-e2e-'));
  readonly shopDb = join(this.dir, 'shop.sqlite');
  readonly gatewayDb = join(this.dir, 'gateway.sqlite');
  gatewayPort = 0;
  shopPort = 0;
  private gatewayEnv: Record<string, string> = {};
  private shopEnv: Record<string, string> = {};

  static async start(options: StackOptions = {}): Promise<Stack> {
    const stack = new Stack();
    stacks.add(stack);
    [stack.gatewayPort, stack.shopPort] = await Promise.all([freePort(), freePort()]);
    stack.gatewayEnv = {
      ...FAST_GATEWAY,
      PORT: String(stack.gatewayPort),
      DATABASE_URL: `sqlite:${stack.gatewayDb}`,
      ...options.gateway,
    };
    stack.shopEnv = {
      PORT: String(stack.shopPort),
      DATABASE_URL: `sqlite:${stack.shopDb}`,
      MIXPAY_API_BASE: options.apiBase ?? `http://127.0.0.1:${stack.gatewayPort}/v1`,
      PAYEE_ID: SHOP_PAYEE,
      PUBLIC_URL: `http://127.0.0.1:${stack.shopPort}`,
      MIXPAY_ALLOWED_IPS: '',
      RECONCILE_AFTER: '3600',
      RECONCILE_INTERVAL: '3600',
      // The gateway's schedule is compressed to 50 ms between attempts, and the tests post their
      // own callbacks back to back: the "still waiting" window, meant to be well under MixPay's
      // 15 s, is compressed to nothing with it (concurrent lookups are still shared).
      CALLBACK_LOOKUP_WINDOW: '0',
      ...options.shop,
    };
    await Promise.all([options.noGateway ? undefined : stack.startGateway(), stack.startShop()]);
    return stack;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  get callbackUrl(): string {
    return `http://127.0.0.1:${this.shopPort}/mixpay/callback`;
  }

  /** (Re)starts the gateway on the same port and the same database file. */
  async startGateway(): Promise<GatewayProcess> {
    this.gateway = await spawnGateway(this.gatewayEnv, START_TIMEOUT_MS);
    return this.gateway;
  }

  /** (Re)starts the shop on the same port and the same database file, with `env` added from now on. */
  async startShop(env: Record<string, string> = {}): Promise<ShopProcess> {
    Object.assign(this.shopEnv, env);
    this.shop = await spawnShop(this.shopEnv, START_TIMEOUT_MS);
    return this.shop;
  }

  // --- the shop's HTTP surface -------------------------------------------------------------

  async createOrder(amount: string, checkout: 'one_time' | 'paylink', currency = 'usd'): Promise<CreatedOrder> {
    const res = await fetch(`${this.shop.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount, currency, checkout }),
    });
    const body = (await res.json()) as CreatedOrder;
    if (res.status !== 200) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  }

  async order(orderId: string): Promise<ShopOrder> {
    const res = await fetch(`${this.shop.url}/orders/${orderId}`);
    if (res.status !== 200) throw new Error(`GET /orders/${orderId} answered ${res.status}`);
    return (await res.json()) as ShopOrder;
  }

  /** POSTs a callback body (an object is sent as JSON, a string as is) to the shop. */
  async callback(body: unknown): Promise<{ status: number; code: string | undefined }> {
    const res = await fetch(this.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { status: res.status, code };
  }

  /** The order's row in the shop's own database, read through a separate read-only connection. */
  row(orderId: string): OrderRow | undefined {
    const db = new Database(this.shopDb, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT * FROM payhook_orders WHERE order_id = ?').get(orderId) as OrderRow | undefined;
    } finally {
      db.close();
    }
  }

  // --- the gateway, as payer, attacker and operator ------------------------------------------

  private async gw(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
    const res = await requestJson(this.gatewayUrl, method, path, body);
    if (res.status !== 200 || !res.body.success)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  /** The sandbox pays: in full by default (amount, asset and confirmations default to "in full"). */
  pay(traceId: string, extra: { amount?: string; assetId?: string } = {}): Promise<{ result: Result }> {
    return this.gw('POST', '/v1/sandbox/transfers', { traceId, ...extra });
  }

  /** Opens a paylink as the payer's browser does (any parameter may have been edited); returns its payment. */
  openPaylink(url: string): Promise<{ traceId: string; orderId: string; payeeId: string; quoteAmount: string }> {
    return this.gw('GET', new URL(url).pathname + new URL(url).search);
  }

  createPayment(params: Record<string, string>): Promise<{ traceId: string }> {
    return this.gw('POST', '/v1/payments', params);
  }

  expire(traceId: string): Promise<Result> {
    return this.gw('POST', `/v1/sandbox/payments/${traceId}/expire`);
  }

  settle(traceId: string): Promise<Result> {
    return this.gw('POST', `/v1/sandbox/payments/${traceId}/settle`);
  }

  result(query: string): Promise<Result> {
    return this.gw('GET', `/v1/payments_result?${query}&with=payment`);
  }

  /** The gateway's record of one payment's events, deliveries and attempts. */
  async events(traceId: string): Promise<AdminEvent[]> {
    return ((await this.gw('GET', `/admin/payments/${traceId}`)) as { events: AdminEvent[] }).events;
  }

  async cleanup(): Promise<void> {
    stacks.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const stacks = new Set<Stack>();

/** Removes every stack's temp dir (after the processes are killed). */
export async function cleanupStacks(): Promise<void> {
  await Promise.all([...stacks].map((s) => s.cleanup()));
}

export interface CreatedOrder {
  orderId: string;
  traceId: string | null;
  paymentUrl: string;
  status: string;
}

export interface Note {
  kind: 'paid' | 'failed' | 'paid_less' | 'settled' | 'mismatch';
  detail: any;
  at: number;
}

export interface ShopOrder {
  orderId: string;
  status: 'waiting' | 'paid' | 'failed' | 'suspicious';
  amount: string;
  currency: string;
  traceId: string | null;
  paymentUrl: string | null;
  settled: boolean;
  notes: Note[];
}

export interface OrderRow {
  order_id: string;
  trace_id: string | null;
  payee_id: string;
  amount: string;
  asset_id: string;
  status: string;
  payment_url: string | null;
  settled_at: number | null;
  created_at: number;
  updated_at: number;
}

export type Result = Record<string, any> & { status: string; traceId: string; quoteAmount: string };

export interface AdminAttempt {
  attemptNo: number;
  success: boolean;
  statusCode: number | null;
  errorClass: string | null;
  responseExcerpt: string | null;
}

export interface AdminDelivery {
  id: string;
  state: 'pending' | 'delivered' | 'exhausted';
  attempts: number;
  url: string;
  body: string;
  attemptList: AdminAttempt[];
}

export interface AdminEvent {
  id: string;
  type: string;
  deliveries: AdminDelivery[];
}

/** How many notes of each kind an order has. */
export function noteCounts(order: ShopOrder): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of order.notes) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
  return counts;
}
