// The sender against a real loopback server: one deadline for the whole attempt (a receiver that
// drips its answer is cut off like one that never answers), and a shutdown abort told apart from it.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciSender } from './sender.js';

let server: Server;
let base: string;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    req.resume();
    req.on('end', () => {
      if (req.url === '/success') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"SUCCESS"}');
      } else if (req.url === '/drip') {
        // Headers at once, then a byte every 20 ms: never a complete answer within the deadline.
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(timer));
      }
      // '/hang': no answer at all.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const post = (sender: UndiciSender, path: string, signal?: AbortSignal) =>
  sender.send({ url: `${base}${path}`, body: '{"orderId":"o"}', headers: {} }, signal);

describe('UndiciSender', () => {
  it('judges a SUCCESS answer a success, keeping its excerpt', async () => {
    const sender = new UndiciSender({ timeoutMs: 2_000, maxAnswerBytes: 1024 });
    const result = await post(sender, '/success');
    await sender.close();
    expect(result).toMatchObject({ success: true, statusCode: 200, responseExcerpt: '{"code":"SUCCESS"}' });
  });

  it.each(['/hang', '/drip'])('cuts %s off at the total deadline as a timeout', async (path) => {
    const sender = new UndiciSender({ timeoutMs: 150, maxAnswerBytes: 1024 });
    const result = await post(sender, path);
    await sender.close();
    expect(result).toMatchObject({ success: false, statusCode: null, errorClass: 'timeout' });
  });

  it('tells a shutdown abort apart from the deadline, before or during the attempt', async () => {
    const sender = new UndiciSender({ timeoutMs: 5_000, maxAnswerBytes: 1024 });
    const during = new AbortController();
    const pending = post(sender, '/hang', during.signal);
    setTimeout(() => during.abort(), 50);
    const before = new AbortController();
    before.abort();
    const [duringResult, beforeResult] = await Promise.all([pending, post(sender, '/success', before.signal)]);
    await sender.close();
    for (const result of [duringResult, beforeResult]) {
      expect(result).toMatchObject({
        success: false,
        errorClass: 'network',
        errorMessage: 'attempt aborted by shutdown',
      });
    }
  });
});
