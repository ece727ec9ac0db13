// A real HTTP callback receiver on loopback whose answers a test scripts, one per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort, listenOnLoopback } from '../../../../test-support/net.js';

/** How the receiver answers one callback. */
export type Behaviour =
  | 'success'
  | 'lowercase_success'
  | 'status500'
  | 'status201'
  | 'redirect'
  | 'not_json'
  | 'wrong_code'
  | 'hang'
  | 'reset'
  | 'huge'
  | 'slow_success'
  /** 500 with markup and script in the answer: a page must show it as text. */
  | 'hostile_html';

export interface ReceivedCallback {
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
  behaviour: Behaviour;
}

export interface Receiver {
  url: string;
  received: ReceivedCallback[];
  /** Answers follow this script, then `fallback` for every later request. */
  script(behaviours: Behaviour[], fallback?: Behaviour): void;
  close(): Promise<void>;
}

/** What `hostile_html` answers: markup that, if rendered, would add an element and run script. */
export const HOSTILE_HTML =
  '<b class="injected">bold</b><img src="x" onerror="window.injected = 1"><script>window.injected = 2</script>';

const open = new Set<Receiver>();

export async function startReceiver(options: { hugeBytes?: number; slowMs?: number } = {}): Promise<Receiver> {
  let queue: Behaviour[] = [];
  let fallback: Behaviour = 'success';
  const received: ReceivedCallback[] = [];
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const behaviour = queue.shift() ?? fallback;
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), behaviour });
      answer(behaviour, req, res);
    });
  });

  function answer(behaviour: Behaviour, req: IncomingMessage, res: ServerResponse) {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (behaviour) {
      case 'success':
        return json(200, { code: 'SUCCESS' });
      case 'lowercase_success':
        return json(200, { code: 'success' });
      case 'status500':
        return json(500, { code: 'SUCCESS' });
      case 'status201':
        return json(201, { code: 'SUCCESS' });
      case 'redirect':
        res.writeHead(302, { location: '/elsewhere' });
        return res.end();
      case 'not_json':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>SUCCESS</html>');
      case 'wrong_code':
        return json(200, { code: 'FAIL' });
      case 'hang':
        hanging.add(res);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const pad = 'x'.repeat(options.hugeBytes ?? 1024 * 1024);
        return res.end(`{"code":"SUCCESS","pad":"${pad}"}`);
      }
      case 'hostile_html':
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end(HOSTILE_HTML);
      case 'slow_success':
        setTimeout(() => json(200, { code: 'SUCCESS' }), options.slowMs ?? 200);
        return;
    }
  }

  const listening = await listenOnLoopback(server);
  const receiver: Receiver = {
    url: `${listening.origin}/callback`,
    received,
    script(behaviours, fb = 'success') {
      queue = [...behaviours];
      fallback = fb;
    },
    async close() {
      if (!open.delete(receiver)) return;
      for (const res of hanging) res.destroy();
      await listening.close();
    },
  };
  open.add(receiver);
  return receiver;
}

/** Closes every receiver a test left open: call it in afterEach. */
export async function closeReceivers(): Promise<void> {
  await Promise.all([...open].map((r) => r.close()));
}

/** A port with nothing listening: connections are refused. */
export async function refusedUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/callback`;
}
