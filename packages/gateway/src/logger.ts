// The logging surface the gateway needs (pino's, so Fastify's logger can be passed in), and the
// gateway's own pino logger with its redaction of secrets.
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
 * Paths pino replaces with `[Redacted]` in every line: credentials in request headers (the admin
 * token, the dashboard's session cookie, signatures) and secret-named fields anywhere near the
 * top of a logged object. Logging a secret by mistake then costs nothing.
 */
export const REDACT_PATHS: readonly string[] = (() => {
  const headers = ['authorization', 'cookie', '"set-cookie"', '"proxy-authorization"', '"x-payhook-signature"'];
  const fields = [
    'adminToken',
    'token',
    'secret',
    'password',
    'signingSecret',
    'callbackSecret',
    'webhookSecret',
    'operatorWebhookUrl',
    'PAYHOOK_ADMIN_TOKEN',
    'PAYHOOK_OPERATOR_WEBHOOK_URL',
  ];
  const header = (h: string) => (h.startsWith('"') ? `[${h}]` : `.${h}`);
  return [
    ...headers.flatMap((h) => [`req.headers${header(h)}`, `res.headers${header(h)}`, `headers${header(h)}`]),
    ...headers.flatMap((h) => [`*.headers${header(h)}`]),
    ...fields.flatMap((f) => [f, `*.${f}`]),
  ];
})();

/** A request as a log line shows it: Fastify's fields plus the headers (redacted above). */
function serializeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
    headers: { ...req.headers },
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
    redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
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
