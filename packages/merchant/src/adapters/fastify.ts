// Fastify: `app.post('/mixpay/callback', fastifyCallbackRoute(handler))`, or register
// fastifyCallbackPlugin. Fastify parses JSON first; the body is re-serialised for the handler.
import type { CallbackHandler } from '../handler.js';
import { requestFromParsed } from './node.js';

interface FastifyLikeRequest {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  url: string;
  socket: { remoteAddress?: string };
}

interface FastifyLikeReply {
  status(code: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload: unknown): unknown;
}

export function fastifyCallbackRoute(handler: CallbackHandler) {
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply) => {
    const response = await handler(requestFromParsed(request.url, request.headers, request.body), {
      remoteAddress: request.socket.remoteAddress,
    });
    reply.status(response.status);
    response.headers.forEach((value, name) => {
      reply.header(name, value);
    });
    return reply.send(await response.text());
  };
}

type RawBodyParser = (request: never, body: string, done: (error: Error | null, body?: unknown) => void) => void;

interface FastifyLikeApp {
  post(path: string, handler: ReturnType<typeof fastifyCallbackRoute>): unknown;
  // Both are on every Fastify instance; optional so that any router with `post` still fits.
  removeAllContentTypeParsers?(): void;
  addContentTypeParser?(contentType: string, options: { parseAs: 'string' }, parser: RawBodyParser): void;
}

/**
 * Registered with `app.register(fastifyCallbackPlugin, { handler })`. Inside its own scope the
 * body reaches the handler as the exact text sent, whatever its content type: Fastify alone
 * would answer 415 to a type it has no parser for, and its own 400 to broken JSON, before
 * the handler could judge (and record) the callback.
 */
export async function fastifyCallbackPlugin(
  app: FastifyLikeApp,
  options: { handler: CallbackHandler; path?: string },
): Promise<void> {
  app.removeAllContentTypeParsers?.();
  app.addContentTypeParser?.('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post(options.path ?? '/mixpay/callback', fastifyCallbackRoute(options.handler));
}
