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

/** A Request from an unread IncomingMessage, reading at most MAX_BODY + 1 bytes. */
export async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_BODY) break;
  }
  const method = req.method ?? 'POST';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(`http://localhost${req.url ?? '/'}`, {
    method,
    headers: toHeaders(req.headers),
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
}

export async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** `http.createServer(nodeCallbackHandler(handler))`, or call it from your own router. */
export function nodeCallbackHandler(handler: CallbackHandler) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const response = await handler(await toRequest(req), { remoteAddress: req.socket.remoteAddress });
    await sendResponse(response, res);
  };
}
