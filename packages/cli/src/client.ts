// The gateway over HTTP: MixPay's envelope in, `data` or a typed error out. No parsing of
// arguments and no printing here.
import { judgeEnvelope, parseEnvelope } from '@payhook/protocol';
import { request } from 'undici';
import { BadAnswerError, GatewayError, UnreachableError, UsageError } from './errors.js';

export interface ClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set (admin and sandbox routes may need it). */
  token?: string | undefined;
  /** Total deadline of one request. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

export class GatewayClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new UsageError(`--url must be an http:// or https:// URL, got "${options.url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`--url must be an http:// or https:// URL, got "${options.url}"`);
    }
    this.url = parsed.href.replace(/\/+$/, '');
    this.token = options.token === '' ? undefined : options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', withQuery(path, query), undefined, signal);
  }

  post<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.call<T>('POST', path, body, signal);
  }

  put<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.call<T>('PUT', path, body, signal);
  }

  delete<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.call<T>('DELETE', path, undefined, signal);
  }

  private async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnreachableError(this.url, reasonOf(error));
    }
    // MixPay's success rule decides; a body that is no envelope is no payhook gateway's answer.
    const parsed = parseEnvelope(text);
    const verdict = judgeEnvelope(status, parsed);
    if (verdict.kind === 'ok') return verdict.data as T;
    if (verdict.kind === 'error' && parsed.kind === 'envelope') {
      throw new GatewayError(verdict.code, parsed.envelope.message || `HTTP ${status}`, status);
    }
    const what = parsed.kind === 'not_json' ? 'and no JSON' : "but not MixPay's envelope";
    throw new BadAnswerError(
      `the gateway at ${this.url} answered ${method} ${path} with HTTP ${status} ${what}: ${excerpt(text)}`,
    );
  }
}

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
}

/** The short reason of a network failure: `ECONNREFUSED`, `ENOTFOUND`, `timeout`… */
function reasonOf(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string }; errors?: { code?: string }[] };
  if (e?.name === 'TimeoutError') return 'timeout';
  const code = e?.code ?? e?.cause?.code ?? e?.errors?.find((x) => x.code)?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  return code ?? (error instanceof Error ? error.message : String(error));
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat || '(empty)';
}
