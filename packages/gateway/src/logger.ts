// The logging surface the gateway needs (pino's, so Fastify's logger can be passed in), and the
// gateway's own pino logger with its redaction of secrets.
import { SIGNATURE_HEADERS } from '@payhook/protocol';
import type { FastifyRequest } from 'fastify';
import pino from 'pino';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * Paths pino replaces with `[Redacted]` in every line: credentials in headers of other logged
 * objects (requests are redacted by name in their serializer below) and secret-named fields
 * anywhere near the top of a logged object. Logging a secret by mistake then costs nothing.
 */
export const REDACT_PATHS: readonly string[] = (() => {
  const headers = [
    'authorization',
    'cookie',
    '"set-cookie"',
    '"proxy-authorization"',
    '"x-payhook-signature"',
    `"${SIGNATURE_HEADERS.signature}"`,
  ];
  const fields = [
    'adminToken',
    'token',
    'secret',
    'password',
    'signingSecret',
    'callbackSecret',
    'webhookSecret',
    'operatorWebhookUrl',
    'operatorWebhookSecret',
    'PAYHOOK_ADMIN_TOKEN',
    'PAYHOOK_OPERATOR_WEBHOOK_URL',
    'PAYHOOK_OPERATOR_WEBHOOK_SECRET',
  ];
  const header = (h: string) => (h.startsWith('"') ? `[${h}]` : `.${h}`);
  return [
    ...headers.flatMap((h) => [`req.headers${header(h)}`, `res.headers${header(h)}`, `headers${header(h)}`]),
    ...headers.flatMap((h) => [`*.headers${header(h)}`]),
    ...fields.flatMap((f) => [f, `*.${f}`]),
  ];
})();

/**
 * Header and query names that may carry a credential. A fixed list of paths only covers the
 * names we thought of; clients send tokens as `x-api-key`, `x-admin-token`, `x-auth`… so any
 * name with one of these parts is redacted.
 */
export const CREDENTIAL_NAME = /auth|token|key|secret|passw|pwd|cookie|session|signature|credential|bearer/i;

const CENSOR = '[Redacted]';

/** The headers as a log line shows them: a credential-like name keeps its name, never its value. */
export function headersForLog(headers: FastifyRequest['headers']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, CREDENTIAL_NAME.test(name) ? CENSOR : value]),
  );
}

/** A request path with the values of credential-like query parameters (`?access_token=…`) redacted. */
export function pathForLog(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let redacted = false;
  for (const name of new Set(params.keys())) {
    if (CREDENTIAL_NAME.test(name)) {
      params.set(name, CENSOR);
      redacted = true;
    }
  }
  return redacted ? `${url.slice(0, q)}?${params.toString()}` : url;
}

/** A request as a log line shows it: Fastify's fields plus the headers, credentials redacted. */
function serializeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: pathForLog(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
    headers: headersForLog(req.headers),
  };
}

/**
 * The gateway's logger: JSON lines, secrets redacted. `destination` is for tests that read
 * the lines (any object with `write(line)`); the default is stdout.
 * @example const logger = createLogger('info');
 */
export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A URL as log lines show it: origin and path, without credentials or query string, where
 * receivers sometimes put a secret (`/callback?token=…`). The admin API shows the full URL.
 */
export function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
