// What the HTTP routes need from the rest of the gateway.
import type { RetrySchedule } from '@payhook/protocol';
import type { AssetCatalog } from '../domain/assets.js';
import type { GatewayMode } from '../domain/callback-url.js';
import type { EndpointService } from '../endpoints/service.js';
import type { Clock } from '../interfaces.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PaymentService } from '../payments.js';
import type { RecoveryService } from '../recoveries.js';
import type { Store } from '../storage/store.js';

export interface HttpContext {
  payments: PaymentService;
  recoveries: RecoveryService;
  store: Store;
  /** Callback URLs' health, pause and resume. */
  endpoints: EndpointService;
  catalog: AssetCatalog;
  clock: Clock;
  mode: GatewayMode;
  /** Base URL of this gateway as payers reach it, for checkout links. */
  publicUrl: string;
  /** Required on admin and sandbox routes when set (always set in production). */
  adminToken: string | undefined;
  /** Sandbox-control routes are served (always in sandbox mode; opt-in in production). */
  sandboxEnabled: boolean;
  /** Prometheus metrics: served at /metrics, and every answer timed; absent: neither. */
  metrics?: GatewayMetrics;
  /** The retry schedule deliveries run (the dashboard's "attempt n of N · gives up at"). */
  schedule: RetrySchedule;
  /** Length of a quote's tolerate period (`expire`/`seconds`). */
  quoteWindowMs: number;
  /** How long a rotated payee secret keeps signing beside the new one, unless the request says (0: at once). */
  secretRotationOverlapMs: number;
  /** Public API requests per client and minute (control routes: 10×); 0: unlimited. */
  rateLimitPerMinute: number;
  /** Attempts older than this are pruned (`GET /admin/retention` reports it); 0 or absent: kept forever. */
  attemptRetentionMs?: number;
  /** Mean event-loop delay (ms) past which the API is shed with 503; 0: never (see overload.ts). */
  maxEventLoopDelayMs: number;
}
