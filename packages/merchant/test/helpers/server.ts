// A real HTTP server on loopback whose answers a test scripts. Every request is kept.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../../../../test-support/net.js';

export interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Responder = (hit: Hit, res: ServerResponse, req: IncomingMessage) => void;

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  hits: Hit[];
  /** How the following requests are answered. */
  respond(responder: Responder): void;
  close(): Promise<void>;
}

export async function startServer(responder: Responder = (_hit, res) => res.end()): Promise<TestServer> {
  let current = responder;
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      hits.push(hit);
      current(hit, res, req);
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    origin,
    hits,
    respond(next) {
      current = next;
    },
    close,
  };
}

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
