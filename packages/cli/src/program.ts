// Argument parsing only: the commands, their flags and help text, mapped to plain option
// objects for the command modules. Nothing here talks HTTP or formats answers.
import { createRequire } from 'node:module';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { GatewayClient } from './client.js';
import { type DeliveriesOptions, deliveries } from './commands/deliveries.js';
import { type EndpointsOptions, endpoints, type PauseOptions, pause, resume } from './commands/endpoints.js';
import { runGateway } from './commands/gateway.js';
import { type PayOptions, pay } from './commands/pay.js';
import { redeliverExhausted, redeliverOne } from './commands/redeliver.js';
import { type TailOptions, tail } from './commands/tail.js';
import { TRIGGER_EVENTS, type TriggerEvent, type TriggerOptions, trigger } from './commands/trigger.js';
import { addGatewayFlags, envFromFlags } from './gateway-flags.js';
import { createOutput } from './output.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export const DEFAULT_URL = 'http://127.0.0.1:8080';

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    }
    return Number(value);
  };

const seconds = (value: string): number => {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('must be a number of seconds');
  return Math.round(Number(value) * 1000);
};

const decimal = (value: string): string => {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('must be a positive decimal');
  return value;
};

interface ClientFlags {
  url: string;
  token?: string;
  json: boolean;
  timeout: number;
}

interface WaitFlags {
  wait: boolean;
  /** Milliseconds, from --wait-timeout in seconds. */
  waitTimeout: number;
}

/** `--url`, `--token`, `--json`, `--timeout`: every command that talks to a running gateway. */
function clientCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .addOption(new Option('--url <url>', 'the gateway').env('PAYHOOK_URL').default(DEFAULT_URL))
    .addOption(new Option('--token <token>', 'admin token (admin and sandbox routes)').env('PAYHOOK_ADMIN_TOKEN'))
    .option('--json', 'print JSON for scripts instead of tables', false)
    .addOption(new Option('--timeout <seconds>', 'deadline of one request').default(30_000, '30').argParser(seconds));
}

const connect = (flags: ClientFlags) => ({
  client: new GatewayClient({ url: flags.url, token: flags.token, timeoutMs: flags.timeout }),
  out: createOutput(flags.json),
});

const waitOptions = (cmd: Command) =>
  cmd
    .option('--no-wait', 'do not wait for the first attempt of each callback')
    .addOption(
      new Option('--wait-timeout <seconds>', 'longest wait for first attempts')
        .default(30_000, '30')
        .argParser(seconds),
    );

export function buildProgram(): Command {
  const program = new Command('payhook')
    .description('payhook: a MixPay-compatible payment-callback gateway, its sandbox and its deliveries')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addGatewayFlags(
    program
      .command('gateway')
      .description('run the gateway in this process (flags override the environment variables in brackets)'),
  ).action(async (flags: Record<string, unknown>) => runGateway(envFromFlags(flags), createOutput(false)));

  clientCommand(program, 'pay', 'send a sandbox transfer to a payment, and print its status')
    .argument('<traceId|code>', "the payment's traceId, or a one-time payment code")
    .option('--amount <decimal>', 'amount in the payment asset (default: what is still owed)', decimal)
    .option('--asset <asset>', "asset id or symbol, e.g. USDT (default: the payment's asset)")
    .option('--confirmations <n>', 'confirmations of the transfer (default: enough for the asset)', integer(0))
    .option('--txid <txid>', 'transaction id (default: a new UUID)')
    .option('--code', 'the identifier is a one-time payment code')
    .action(async (id: string, flags: ClientFlags & PayOptions) => {
      const { client, out } = connect(flags);
      await pay(client, id, flags, out);
    });

  waitOptions(
    clientCommand(
      program,
      'trigger',
      "drive a sandbox payment to raise an event, and print what it did and the payment's status",
    )
      .addArgument(new Argument('<event>', 'the event to raise').choices(TRIGGER_EVENTS))
      .argument('[traceId]', 'an existing payment (default: create one)')
      .option('--callback-url <url>', 'callbackUrl of the payment created')
      .option(
        '--events <list>',
        'callbackEvent of the payment created, e.g. "pending|settle" (default: the event, if optional)',
      )
      .option('--payee-id <id>', 'payeeId of the payment created', 'payhook-cli')
      .option('--quote-amount <decimal>', 'price of the payment created', decimal, '10')
      .option('--quote-asset <asset>', 'quote asset of the payment created', 'usd')
      .option('--asset <asset>', 'payment asset (id or symbol) of the payment created', 'USDT')
      .option('--settlement-asset <asset>', 'settlement asset of the payment created (default: the payment asset)')
      .option('--amount <decimal>', 'paid_less: amount to pay (default: half of what is owed)', decimal),
  ).action(
    async (
      event: TriggerEvent,
      traceId: string | undefined,
      flags: ClientFlags & WaitFlags & Omit<TriggerOptions, 'waitTimeoutMs'>,
    ) => {
      const { client, out } = connect(flags);
      await trigger(client, event, traceId, { ...flags, waitTimeoutMs: flags.waitTimeout }, out);
    },
  );

  clientCommand(program, 'deliveries', 'list deliveries, newest first')
    .addOption(
      new Option('--state <state>', 'only deliveries in this state').choices(['pending', 'delivered', 'exhausted']),
    )
    .option('--trace-id <traceId>', "only this payment's deliveries")
    .option('--limit <n>', 'at most this many (1-500)', integer(1, 500), 50)
    .action(async (flags: ClientFlags & DeliveriesOptions) => {
      const { client, out } = connect(flags);
      await deliveries(client, flags, out);
    });

  waitOptions(
    clientCommand(program, 'redeliver', 'send a delivered or exhausted event again, on a fresh schedule')
      .argument('[deliveryId]', 'the delivery to send again')
      .option('--exhausted-url <url>', 'instead: every exhausted delivery to this URL not redelivered yet'),
  ).action(async function (
    this: Command,
    id: string | undefined,
    flags: ClientFlags & WaitFlags & { exhaustedUrl?: string },
  ) {
    const url = flags.exhaustedUrl;
    if ((id === undefined) === (url === undefined)) {
      this.error('error: give either a delivery id or --exhausted-url <url>', { exitCode: 2 });
    }
    const { client, out } = connect(flags);
    const options = { wait: flags.wait, waitTimeoutMs: flags.waitTimeout };
    if (url !== undefined) await redeliverExhausted(client, url, options, out);
    else await redeliverOne(client, id as string, options, out);
  });

  clientCommand(
    program,
    'endpoints',
    'callback URLs and hosts: health, last error, retrying deliveries, exhaustion forecast',
  )
    .option('--host <host>', 'only the URLs of this host (host:port)')
    .action(async (flags: ClientFlags & EndpointsOptions) => {
      const { client, out } = connect(flags);
      await endpoints(client, flags, out);
    });

  clientCommand(program, 'pause', 'pause a callback URL: nothing is sent and its schedules stand still until resumed')
    .argument('<url>', 'the callbackUrl, exactly as the payments give it')
    .option('--reason <text>', 'why, shown with the pause')
    .option('--actor <name>', 'who pauses, recorded with the pause')
    .action(async (url: string, flags: ClientFlags & PauseOptions) => {
      const { client, out } = connect(flags);
      await pause(client, url, flags, out);
    });

  clientCommand(program, 'resume', 'resume a paused callback URL: each delivery continues with the gap it had left')
    .argument('<url>', 'the callbackUrl, exactly as the payments give it')
    .action(async (url: string, flags: ClientFlags) => {
      const { client, out } = connect(flags);
      await resume(client, url, out);
    });

  clientCommand(program, 'tail', 'follow callback attempts as they happen (Ctrl-C to stop; --json: NDJSON)')
    .option('--lines <n>', 'latest attempts to show first (0: only new ones)', integer(0, 500), 10)
    .addOption(new Option('--interval <seconds>', 'polling interval').default(500, '0.5').argParser(seconds))
    .option('--trace-id <traceId>', "only this payment's attempts")
    .addOption(new Option('--event <event>', 'only attempts of this event').choices(TRIGGER_EVENTS))
    .action(async (flags: ClientFlags & Omit<TailOptions, 'intervalMs'> & { interval: number }) => {
      const { client, out } = connect(flags);
      const stop = new AbortController();
      const abort = () => stop.abort();
      process.once('SIGINT', abort);
      process.once('SIGTERM', abort);
      await tail(client, { ...flags, intervalMs: flags.interval }, out, stop.signal);
    });

  return program;
}
