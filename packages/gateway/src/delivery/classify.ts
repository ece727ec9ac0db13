// Turns what happened on the wire into an attempt outcome. Pure, so every failure
// class is unit-tested without a network.
import { judgeCallbackAnswer } from '@payhook/protocol';
import type { AttemptErrorClass } from '../interfaces.js';

export interface AttemptOutcome {
  success: boolean;
  statusCode: number | null;
  errorClass: AttemptErrorClass | null;
  errorMessage: string | null;
}

/** The receiver answered: success only for 200 + `{"code":"SUCCESS"}`. */
export function classifyAnswer(statusCode: number, bodyText: string): AttemptOutcome {
  const verdict = judgeCallbackAnswer(statusCode, bodyText);
  if (verdict.accepted) return { success: true, statusCode, errorClass: null, errorMessage: null };
  const messages = {
    bad_status: `answered HTTP ${statusCode}; only 200 counts`,
    not_json: 'answered a body that is not JSON',
    wrong_code: 'answered JSON whose code is not exactly "SUCCESS"',
  } as const;
  return { success: false, statusCode, errorClass: verdict.reason, errorMessage: messages[verdict.reason] };
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** The attempt did not get a complete answer: name the reason from the error chain. */
export function classifyError(error: unknown): AttemptOutcome {
  const failure = (errorClass: AttemptErrorClass, message: string): AttemptOutcome => ({
    success: false,
    statusCode: null,
    errorClass,
    errorMessage: message,
  });
  const chain = errorChain(error);
  const codes = chain.map((e) => e.code).filter((c): c is string => typeof c === 'string');
  const names = chain.map((e) => e.name);
  const text = chain.map((e) => e.message).find((m) => m) ?? String(error);
  if (names.includes('TimeoutError') || codes.some((c) => c.startsWith('UND_ERR_') && c.includes('TIMEOUT'))) {
    return failure('timeout', 'no complete answer before the attempt timeout');
  }
  if (names.includes('ResponseTooLarge')) return failure('too_large', text);
  if (codes.includes('ERR_PAYHOOK_SSRF')) return failure('blocked', text);
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME' || c === 'EAI_FAIL')) {
    return failure('dns', `host name did not resolve (${codes.join(', ')})`);
  }
  if (codes.includes('ECONNREFUSED')) return failure('connect_refused', 'connection refused');
  if (codes.some((c) => TLS_CODES.has(c) || c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL'))) {
    return failure('tls', `TLS handshake failed (${codes.join(', ')})`);
  }
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET' || c === 'UND_ERR_CLOSED')) {
    return failure('reset', 'connection reset before a complete answer');
  }
  return failure('network', text);
}

interface ErrorLike {
  name: string;
  message: string;
  code?: unknown;
}

function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
    out.push({ name: String(e.name ?? ''), message: String(e.message ?? ''), code: e.code });
    // AggregateError (happy-eyeballs connects) keeps the real causes in `errors`.
    if (Array.isArray(e.errors)) out.push(...e.errors.flatMap((inner) => errorChain(inner)));
    current = e.cause;
  }
  return out;
}
