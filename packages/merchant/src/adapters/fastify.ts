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

export async function fastifyCallbackPlugin(
  app: { post(path: string, handler: ReturnType<typeof fastifyCallbackRoute>): unknown },
  options: { handler: CallbackHandler; path?: string },
): Promise<void> {
  app.post(options.path ?? '/mixpay/callback', fastifyCallbackRoute(options.handler));
}
