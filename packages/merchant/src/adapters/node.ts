// Plain node:http: turns an IncomingMessage into a Request and the Response back.
// The Express and Fastify adapters reuse these translations.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackHandler } from '../handler.js';

/** Callback bodies are tiny; a bigger one is cut off here and refused by the handler. */
const MAX_BODY = 16 * 1024;

function toHeaders(raw: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'content-length' || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** A Request from a body a framework already parsed (object, string or Buffer). */
export function requestFromParsed(
  url: string,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  body: unknown,
): Request {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body).toString('utf8')
        : JSON.stringify(body ?? null);
  return new Request(`http://localhost${url}`, { method: 'POST', headers: toHeaders(headers), body: text });
}

/**
 * A Request from an unread IncomingMessage, keeping at most MAX_BODY + 1 bytes. Past that the
 * rest is left to drain unread: breaking off would destroy the request, and with it the socket
 * the answer has to go out on.
 */
export function toRequest(req: IncomingMessage): Promise<Request> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      req.off('data', onData);
      req.off('end', finish);
      req.off('error', reject);
      const method = req.method ?? 'POST';
      const hasBody = method !== 'GET' && method !== 'HEAD';
      resolve(
        new Request(`http://localhost${req.url ?? '/'}`, {
          method,
          headers: toHeaders(req.headers),
          body: hasBody ? Buffer.concat(chunks) : undefined,
        }),
      );
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_BODY) {
        finish();
        req.resume(); // drop the rest
      }
    };
    req.on('data', onData);
    req.once('end', finish);
    req.once('error', reject);
  });
}

export async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** `http.createServer(nodeCallbackHandler(handler))`, or call it from your own router. */
export function nodeCallbackHandler(handler: CallbackHandler) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Read before the body: a socket that is gone by then has no address any more.
    const remoteAddress = req.socket.remoteAddress;
    try {
      const response = await handler(await toRequest(req), { remoteAddress });
      await sendResponse(response, res);
    } catch {
      // node:http ignores the returned promise: a rejection here would be unhandled and end the process.
      if (!res.headersSent) await sendResponse(Response.json({ code: 'RETRY_LATER' }, { status: 503 }), res);
      else res.destroy();
    }
  };
}
