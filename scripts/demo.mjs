#!/usr/bin/env node
// `npm run demo`: builds if needed, starts the gateway (:8080) and the example shop (:3000) as
// child processes, walks one payment end to end (order → sandbox payment → callback → paid),
// prints what to try next, and keeps both running until Ctrl-C, then stops both cleanly.
// GATEWAY_PORT, SHOP_PORT and DEMO_LOG_LEVEL (default warn) change the defaults.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8080);
const shopPort = Number(process.env.SHOP_PORT ?? 3000);
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
const shopUrl = `http://127.0.0.1:${shopPort}`;
const dataDir = join(root, 'data', 'demo');
const logLevel = process.env.DEMO_LOG_LEVEL ?? 'warn';

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => process.stdout.write(`${s}\n`);
const step = (n, s) => say(`\n${bold(`[${n}] ${s}`)}`);
const json = (v) => JSON.stringify(v, null, 2).replace(/^/gm, '    ');

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let stopping = false;

async function main() {
  step(1, 'Building (tsc -b; quick when nothing changed)');
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('the build failed (see above)');

  for (const [name, port] of [
    ['gateway', gatewayPort],
    ['shop', shopPort],
  ]) {
    if (!(await portIsFree(port))) {
      throw new Error(`port ${port} (the ${name}) is in use; stop what runs there or set ${name.toUpperCase()}_PORT`);
    }
  }
  // A fresh pair of databases each run, so the demo always tells the same story.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  step(2, 'Starting the gateway and the shop');
  const [gatewayLine, shopLine] = await Promise.all([
    start('gateway', 'packages/gateway/dist/main.js', {
      PORT: String(gatewayPort),
      DATABASE_URL: `sqlite:${join(dataDir, 'gateway.sqlite')}`,
      PAYHOOK_SETTLE_DELAY: '2',
      LOG_LEVEL: logLevel,
    }),
    start('shop', 'examples/shop/dist/main.js', {
      PORT: String(shopPort),
      DATABASE_URL: `sqlite:${join(dataDir, 'shop.sqlite')}`,
      MIXPAY_API_BASE: `${gatewayUrl}/v1`,
      PAYEE_ID: 'demo-payee',
      PUBLIC_URL: shopUrl,
      MIXPAY_ALLOWED_IPS: '',
      RECONCILE_AFTER: '60',
      RECONCILE_INTERVAL: '10',
      LOG_LEVEL: logLevel,
    }),
  ]);
  say(`    ${gatewayLine}`);
  say(`    ${shopLine}`);

  step(3, 'A customer orders: POST /orders at the shop (a one-time payment of 10 USD)');
  const order = await http('POST', `${shopUrl}/orders`, { amount: '10', currency: 'usd', checkout: 'one_time' });
  say(json(order));

  step(4, 'The gateway has the payment, unpaid (GET /v1/payments_result)');
  const before = await http('GET', `${gatewayUrl}/v1/payments_result?traceId=${order.traceId}`);
  say(`    status: ${before.data.status}, quoteAmount: ${before.data.quoteAmount} ${before.data.quoteSymbol}`);

  step(5, 'The payer pays in the sandbox: POST /v1/sandbox/transfers (in full, in USDT)');
  const paid = await http('POST', `${gatewayUrl}/v1/sandbox/transfers`, { traceId: order.traceId });
  const r = paid.data.result;
  say(
    `    transfer ${paid.data.transfer.txid}: ${paid.data.transfer.amount} ${r.paymentSymbol}; payment status: ${r.status}`,
  );

  step(6, 'The gateway calls the shop back; the shop looks the result up and marks the order paid');
  const final = await waitFor(async () => {
    const o = await http('GET', `${shopUrl}/orders/${order.orderId}`);
    return o.status === 'paid' ? o : undefined;
  }, 'the order to be paid');
  const admin = await http('GET', `${gatewayUrl}/admin/payments/${order.traceId}`);
  for (const event of admin.data.events) {
    for (const d of event.deliveries) {
      for (const a of d.attemptList) {
        say(
          `    ${event.type} callback → ${d.url}: attempt ${a.attemptNo}, HTTP ${a.statusCode}, ${a.latencyMs} ms, answer ${a.responseExcerpt}`,
        );
      }
    }
  }

  step(7, 'Settlement follows (a `settle` callback)');
  const settled = await waitFor(async () => {
    const o = await http('GET', `${shopUrl}/orders/${order.orderId}`);
    return o.settled ? o : undefined;
  }, 'settlement').catch(() => final);
  const settleNote = settled.notes.find((n) => n.kind === 'settled');
  say(
    settleNote
      ? `    settled: ${settleNote.detail.settleAmount} of asset ${settleNote.detail.settleAsset}`
      : '    not settled yet; GET the order again in a few seconds',
  );

  step(8, `The final order (GET ${shopUrl}/orders/${order.orderId})`);
  say(json(settled));

  say(`
${bold('Both are still running. Try it yourself:')}

  gateway  ${gatewayUrl}        (MixPay API at ${gatewayUrl}/v1, admin at ${gatewayUrl}/admin/payments)
  shop     ${shopUrl}        (callbackUrl ${shopUrl}/mixpay/callback, payee demo-payee)
  data     ${dataDir}

  # a new order; its paymentUrl is the checkout page
  curl -s ${shopUrl}/orders -H 'content-type: application/json' \\
    -d '{"amount":"25","currency":"usd","checkout":"one_time"}'

  # pay it in the sandbox (amount and asset default to "in full"; try "amount":"5" for an underpayment)
  curl -s ${gatewayUrl}/v1/sandbox/transfers -H 'content-type: application/json' -d '{"traceId":"<traceId>"}'

  # the order, with the notes the kit's hooks wrote (paid, paid_less, failed, settled, mismatch)
  curl -s ${shopUrl}/orders/<orderId>

  # every callback the gateway sent for it, attempt by attempt
  curl -s ${gatewayUrl}/admin/payments/<traceId>

  # the tampered-paylink attack: a 1000 USD paylink order, its link edited to quoteAmount=0.01
  curl -s ${shopUrl}/orders -H 'content-type: application/json' \\
    -d '{"amount":"1000","currency":"usd","checkout":"paylink"}'
  curl -s '<paymentUrl, with quoteAmount=1000 changed to 0.01>'    # opens the payment: note its traceId
  curl -s ${gatewayUrl}/v1/sandbox/transfers -H 'content-type: application/json' -d '{"traceId":"<traceId>"}'
  curl -s ${shopUrl}/orders/<orderId>    # "suspicious" with a "mismatch" note, never "paid"

  # a forged callback is refused (the kit never trusts the body)
  curl -s ${shopUrl}/mixpay/callback -H 'content-type: application/json' \\
    -d '{"orderId":"${order.orderId}","traceId":"${order.traceId}","payeeId":"someone-else"}'

Press Ctrl-C to stop both.`);
}

/** Spawns a built entry point and resolves with its "listening on" line. */
function start(name, entry, env) {
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(name, child);
  let out = '';
  const prefix = (chunk) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => `    [${name}] ${l}\n`)
      .join('');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${name} did not start within 20 s:\n${out}`)), 20_000);
    let listening = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (listening) return void process.stdout.write(prefix(chunk));
      const line = out.split('\n').find((l) => l.includes('listening on'));
      if (line) {
        listening = true;
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
      process.stderr.write(prefix(chunk));
    });
    child.once('exit', (code, signal) => {
      children.delete(name);
      clearTimeout(timer);
      if (!listening) return reject(new Error(`the ${name} exited before listening (${code ?? signal}):\n${out}`));
      if (!stopping) {
        say(`\nThe ${name} stopped unexpectedly (${code ?? signal}); stopping the demo.`);
        void shutdown(1);
      }
    });
  });
}

async function http(method, url, body) {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function waitFor(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function portIsFree(port) {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}

/** SIGTERM to each child (both shut down gracefully), SIGKILL after 10 s; then exit. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (children.size > 0) say('\nStopping the gateway and the shop…');
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [exitCode, signal] = await exited;
      clearTimeout(timer);
      say(`    ${name} stopped (${exitCode ?? signal})`);
    }),
  );
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error) => {
  process.stderr.write(`\ndemo: ${error instanceof Error ? error.message : String(error)}\n`);
  void shutdown(1);
});
