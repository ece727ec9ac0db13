// Table shapes as Kysely sees them. Times are epoch milliseconds; amounts are decimal
// strings; booleans are 0/1 integers so SQLite and PostgreSQL store them alike.
import type { ColumnType } from 'kysely';

/** A BIGINT column: PostgreSQL's driver may hand it back as a string. */
type Millis = ColumnType<number, number, number>;
type NullableMillis = ColumnType<number | null, number | null, number | null>;

export interface PaymentsTable {
  trace_id: string;
  order_id: string | null;
  payee_id: string;
  kind: string;
  code: string | null;
  quote_amount: string;
  quote_asset_id: string;
  payment_asset_id: string | null;
  payable_amount: string | null;
  settlement_asset_id: string;
  strict_mode: number;
  is_multi_pay: number;
  callback_url: string | null;
  callback_events: string;
  return_to: string | null;
  failed_return_to: string | null;
  remark: string | null;
  settlement_memo: string | null;
  expire_at: NullableMillis;
  status: string;
  failure_code: string | null;
  paid_amount: string;
  surplus_amount: string;
  surplus_status: string;
  settle_status: string;
  settle_due_at: NullableMillis;
  settle_amount: string | null;
  settle_asset_id: string | null;
  created_at: Millis;
  updated_at: Millis;
  completed_at: NullableMillis;
  client_id: ColumnType<string, string | undefined, string>;
  is_chain: ColumnType<number, number | undefined, number>;
  quoted_at: NullableMillis;
  destination: string | null;
  tag: string | null;
}

export interface TransfersTable {
  txid: string;
  trace_id: string;
  amount: string;
  asset_id: string;
  confirmations: number;
  created_at: Millis;
  updated_at: Millis;
}

export interface EventsTable {
  id: string;
  trace_id: string;
  type: string;
  status: string;
  created_at: Millis;
}

export interface DeliveriesTable {
  id: string;
  event_id: string;
  trace_id: string;
  event_type: string;
  url: string;
  host: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: NullableMillis;
  /**
   * While its URL is paused: the due time of a parked delivery, whose next_attempt_at is null so
   * the claim's due indexes do not hold it (migration 0007). Meaningful only while next_attempt_at
   * is null and the delivery is pending.
   */
  parked_next_attempt_at: ColumnType<number | null, number | null | undefined, number | null>;
  lock_token: string | null;
  /** The dispatcher incarnation holding the lease (LeaseOwner id); null when not leased. */
  lock_owner: string | null;
  locked_until: NullableMillis;
  redelivery_of: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface AttemptsTable {
  delivery_id: string;
  attempt_no: number;
  due_at: Millis;
  started_at: Millis;
  ended_at: Millis;
  success: number;
  status_code: number | null;
  latency_ms: number;
  error_class: string | null;
  error_message: string | null;
  response_excerpt: string | null;
  /** The headers sent, a JSON object in the order sent; null for attempts made before 0011. */
  request_headers: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RateLimitsTable {
  key: string;
  window_start: Millis;
  count: number;
}

export interface PayeeSecretsTable {
  payee_id: string;
  secret: string;
  created_at: Millis;
  /** The secret `secret` replaced, still signing until `previous_until` (0009, rotation with overlap). */
  previous_secret: string | null;
  previous_until: NullableMillis;
}

export interface HealthProbeTable {
  id: string;
  checked_at: Millis;
}

/** The attempt pruner's state: one row, `attempts` (migration 0010). */
export interface RetentionStateTable {
  id: string;
  cursor_ended_at: Millis;
  cursor_delivery_id: string;
  cursor_attempt_no: number;
  pruned_total: ColumnType<number, number, number>;
  pass_started_at: NullableMillis;
  pass_ended_at: NullableMillis;
  pass_cutoff: NullableMillis;
  pass_pruned: ColumnType<number | null, number | null, number | null>;
  pass_reclaimed_pages: ColumnType<number | null, number | null, number | null>;
}

export interface RecoveriesTable {
  id: string;
  action: string;
  /** The selection as requested, JSON. */
  selection: string;
  new_url: string | null;
  requested_by: string;
  actor: string | null;
  requested_at: Millis;
  state: string;
  matched: number;
  processed: number;
  skipped: number;
  cursor_at: NullableMillis;
  cursor_id: string | null;
  /** The runner holding the recovery (a lease owner id, judged by its liveness lock). */
  locked_by: string | null;
  locked_until: NullableMillis;
  finished_at: NullableMillis;
  error: string | null;
}

/** A callback URL's health and pause (migration 0007); booleans are 0/1. */
export interface EndpointsTable {
  url: string;
  host: string;
  consecutive_failures: number;
  last_attempt_at: NullableMillis;
  last_success_at: NullableMillis;
  last_failure_at: NullableMillis;
  last_error_class: string | null;
  last_status_code: number | null;
  last_error_message: string | null;
  health: string;
  paused_at: NullableMillis;
  paused_by: string | null;
  pause_reason: string | null;
  auto_paused: number;
  updated_at: Millis;
}

/** One URL's attempts of one minute (migration 0007, domain/endpoint-minutes.ts). */
export interface EndpointMinutesTable {
  url: string;
  /** The minute's start, epoch ms. */
  minute: Millis;
  host: string;
  attempts: number;
  succeeded: number;
}

export interface Database {
  payments: PaymentsTable;
  transfers: TransfersTable;
  events: EventsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  rate_limits: RateLimitsTable;
  payee_secrets: PayeeSecretsTable;
  health_probe: HealthProbeTable;
  retention_state: RetentionStateTable;
  recoveries: RecoveriesTable;
  endpoints: EndpointsTable;
  endpoint_minutes: EndpointMinutesTable;
}
