// Argument parsing only: the commands, their flags and help text, mapped to plain option
// objects for the command modules. Nothing here talks HTTP or formats answers.
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { ATTEMPT_ERROR_CLASSES, parseInstant } from '@payhook/protocol';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { GatewayClient } from './client.js';
import { type DeliveriesOptions, deliveries } from './commands/deliveries.js';
import { delivery } from './commands/delivery.js';
import { type EndpointsOptions, endpoints, type PauseOptions, pause, resume } from './commands/endpoints.js';
import { runGateway } from './commands/gateway.js';
import { type PayOptions, pay } from './commands/pay.js';
import { type RecoverOptions, recover } from './commands/recover.js';
import { redeliverExhausted, redeliverOne } from './commands/redeliver.js';
import { retention } from './commands/retention.js';
import { retryNow } from './commands/retry-now.js';
import { listSecrets, parseOverlap, removeSecret, rotateSecret, showSecret } from './commands/secret.js';
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

const overlap = (value: string): number => {
  const parsed = parseOverlap(value);
  if (parsed === undefined) throw new InvalidArgumentError('must be seconds, or a number with s, m, h or d (24h)');
  return parsed;
};

const decimal = (value: string): string => {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('must be a positive decimal');
  return value;
};

/** An instant for a selection: the admin API's forms (parseInstant), or a time ago: `90s`, `30m`, `3h`, `2d`. */
export const instant = (value: string): number => {
  // A unit is required here: a bare number is epoch ms, not seconds ago.
  const ago = /[smhd]$/.test(value) ? parseOverlap(value) : undefined;
  if (ago !== undefined) return Date.now() - ago * 1000;
  const ms = parseInstant(value);
  if (ms === undefined) {
    throw new InvalidArgumentError('must be an ISO 8601 date-time, epoch ms, or a time ago (30m, 3h, 2d)');
  }
  return ms;
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

interface RecoverFlags {
  state?: NonNullable<RecoverOptions['selection']['state']>;
  callbackUrl?: string;
  since?: number;
  until?: number;
  payee?: string;
  event?: NonNullable<RecoverOptions['selection']['eventType']>;
  errorClass?: NonNullable<RecoverOptions['selection']['errorClass']>;
  notRedelivered?: boolean;
  dryRun?: boolean;
  redeliver?: boolean;
  toUrl?: string;
  retryNow?: boolean;
  actor?: string;
  waitTimeout: number;
}

/** The operator's user name, recorded as who asked; none when the system cannot tell. */
function userName(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

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
      new Option('--state <state>', 'only deliveries in this state (retrying: pending after a failure)').choices([
        'pending',
        'retrying',
        'delivered',
        'exhausted',
      ]),
    )
    .option('--trace-id <traceId>', "only this payment's deliveries")
    .option('--limit <n>', 'at most this many (1-500)', integer(1, 500), 50)
    .action(async (flags: ClientFlags & DeliveriesOptions) => {
      const { client, out } = connect(flags);
      await deliveries(client, flags, out);
    });

  clientCommand(program, 'delivery', 'one delivery as its receiver saw it: each attempt, its request and its answer')
    .argument('<deliveryId>', 'the delivery')
    .action(async (id: string, flags: ClientFlags) => {
      const { client, out } = connect(flags);
      await delivery(client, id, out);
    });

  waitOptions(
    clientCommand(
      program,
      'retry-now',
      'attempt a delivery still being retried now, its attempt count and the schedule after it kept',
    ).argument('<deliveryId>', 'the delivery to attempt now'),
  ).action(async (id: string, flags: ClientFlags & WaitFlags) => {
    const { client, out } = connect(flags);
    await retryNow(client, id, { wait: flags.wait, waitTimeoutMs: flags.waitTimeout }, out);
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
    'recover',
    'select deliveries and count them, redeliver them (to a new URL if the shop moved), or retry pending ones now',
  )
    .addOption(
      new Option('--state <state>', 'only deliveries in this state (pending includes retrying)').choices([
        'pending',
        'retrying',
        'delivered',
        'exhausted',
      ]),
    )
    .option('--callback-url <url>', 'only deliveries to this callback URL (--url is the gateway)')
    .option('--since <time>', 'created at or after (ISO 8601, epoch ms, or ago: 30m, 3h, 2d)', instant)
    .option('--until <time>', 'created at or before (same forms)', instant)
    .option('--payee <payeeId>', "only this payee's deliveries")
    .addOption(new Option('--event <event>', 'only deliveries of this event').choices(TRIGGER_EVENTS))
    .addOption(
      new Option('--error-class <class>', 'only deliveries whose last attempt failed so').choices(
        ATTEMPT_ERROR_CLASSES,
      ),
    )
    .option('--not-redelivered', 'only deliveries nobody has redelivered yet')
    .option('--dry-run', 'count them and show a few; change nothing (the default action)')
    .option('--redeliver', 'send each (delivered or exhausted) again as a new delivery on a fresh schedule')
    .option('--to-url <url>', 'with --redeliver: to this callback URL instead of their own')
    .option('--retry-now', "make each pending one's next attempt due now (its attempt count kept)")
    .option('--actor <name>', 'who asks, recorded with the recovery (default: your user name)')
    .addOption(
      new Option('--wait-timeout <seconds>', 'longest to follow the progress (the recovery goes on anyway)')
        .default(600_000, '600')
        .argParser(seconds),
    )
    .action(async function (this: Command, flags: ClientFlags & RecoverFlags) {
      if (flags.redeliver && flags.retryNow)
        this.error('error: give one of --redeliver and --retry-now', { exitCode: 2 });
      if ((flags.redeliver || flags.retryNow) && flags.dryRun) {
        this.error('error: --dry-run changes nothing; give it alone, or --redeliver / --retry-now to act', {
          exitCode: 2,
        });
      }
      if (flags.toUrl !== undefined && flags.retryNow)
        this.error('error: --to-url goes with --redeliver', { exitCode: 2 });
      const { client, out } = connect(flags);
      const selection: RecoverOptions['selection'] = {
        ...(flags.state === undefined ? {} : { state: flags.state }),
        ...(flags.callbackUrl === undefined ? {} : { url: flags.callbackUrl }),
        ...(flags.since === undefined ? {} : { createdFrom: flags.since }),
        ...(flags.until === undefined ? {} : { createdTo: flags.until }),
        ...(flags.payee === undefined ? {} : { payeeId: flags.payee }),
        ...(flags.event === undefined ? {} : { eventType: flags.event }),
        ...(flags.errorClass === undefined ? {} : { errorClass: flags.errorClass }),
        ...(flags.notRedelivered ? { notRedelivered: true } : {}),
      };
      // A dry run counts for the action the selection suits: pending ones are retried, others redelivered.
      const pendingState = flags.state === 'pending' || flags.state === 'retrying';
      const action =
        flags.retryNow || (!flags.redeliver && pendingState && flags.toUrl === undefined) ? 'retry_now' : 'redeliver';
      await recover(
        client,
        {
          selection,
          action,
          dryRun: !flags.redeliver && !flags.retryNow,
          toUrl: flags.toUrl,
          actor: flags.actor ?? userName(),
          waitTimeoutMs: flags.waitTimeout,
        },
        out,
      );
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

  clientCommand(
    program,
    'retention',
    'attempt retention: the setting, the last pruning pass, attempts pruned in all',
  ).action(async (flags: ClientFlags) => {
    const { client, out } = connect(flags);
    await retention(client, out);
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

  const secret = program
    .command('secret')
    .description("a payee's callback signing secret: rotate (or set), show, remove, list");
  clientCommand(secret, 'rotate', "set a payee's first secret, or rotate it; prints the new secret, once")
    .argument('<payeeId>', 'the payee')
    .addOption(
      new Option('--overlap <duration>', 'how long the old secret keeps signing too, e.g. 24h, 30m, 0 (at once)')
        .argParser(overlap)
        .default(undefined, "the gateway's PAYHOOK_SECRET_ROTATION_OVERLAP"),
    )
    .action(async (payeeId: string, flags: ClientFlags & { overlap?: number }) => {
      const { client, out } = connect(flags);
      await rotateSecret(client, payeeId, { overlapSeconds: flags.overlap }, out);
    });
  clientCommand(secret, 'show', 'whether a payee signs, since when, and until when a rotation overlaps')
    .argument('<payeeId>', 'the payee')
    .action(async (payeeId: string, flags: ClientFlags) => {
      const { client, out } = connect(flags);
      await showSecret(client, payeeId, out);
    });
  clientCommand(secret, 'remove', "stop signing a payee's callbacks (removes both secrets)")
    .argument('<payeeId>', 'the payee')
    .action(async (payeeId: string, flags: ClientFlags) => {
      const { client, out } = connect(flags);
      await removeSecret(client, payeeId, out);
    });
  clientCommand(
    secret,
    'list',
    'every payee that signs, since when, and any rotation in progress (never a secret)',
  ).action(async (flags: ClientFlags) => {
    const { client, out } = connect(flags);
    await listSecrets(client, out);
  });

  return program;
}
