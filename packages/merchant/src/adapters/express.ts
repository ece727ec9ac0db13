// Express: `app.post('/mixpay/callback', expressCallbackHandler(handler))`, with or without
// express.json() in front (a parsed body is re-serialised; the handler trusts none of it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackHandler } from '../handler.js';
import { requestFromParsed, sendResponse, toRequest } from './node.js';

interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}

export function expressCallbackHandler(handler: CallbackHandler) {
  return async (req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void): Promise<void> => {
    // Read before the body: a socket that is gone by then has no address any more.
    const remoteAddress = req.socket.remoteAddress;
    try {
      const request =
        req.body === undefined ? await toRequest(req) : requestFromParsed(req.url ?? '/', req.headers, req.body);
      await sendResponse(await handler(request, { remoteAddress }), res);
    } catch (error) {
      next(error);
    }
  };
}
