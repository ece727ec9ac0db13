// `payhook secret rotate|show|remove <payeeId>`, `payhook secret list`: a payee's callback signing secret. `rotate` sets
// the first one or replaces it (the old one keeps signing through the overlap) and prints the new
// secret, the only time anybody sees it; `show` never prints a secret.
import type { PayeeSecretCreated, PayeeSecretList, PayeeSecretRemoved, PayeeSecretStatus } from '@payhook/protocol';
import type { GatewayClient } from '../client.js';
import { keyValues, printable, table, time } from '../format.js';
import type { Output } from '../output.js';

export interface RotateOptions {
  /** Seconds the previous secret keeps signing; undefined: the gateway's PAYHOOK_SECRET_ROTATION_OVERLAP. */
  overlapSeconds?: number | undefined;
}

const path = (payeeId: string) => `/admin/payees/${encodeURIComponent(payeeId)}/secret`;

/** What `show` and `rotate` say of a rotation in progress. */
const rotation = (endsAt: number | null) =>
  endsAt === null ? 'none (one secret signs)' : `the previous secret signs too until ${time(endsAt)}`;

export async function rotateSecret(
  client: GatewayClient,
  payeeId: string,
  options: RotateOptions,
  out: Output,
): Promise<void> {
  const body = options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds };
  const answer = await client.put<PayeeSecretCreated>(path(payeeId), body);
  if (out.json) return out.data(answer);
  out.line(
    keyValues([
      ['payee', answer.payeeId],
      ['secret', answer.secret],
      ['since', time(answer.createdAt)],
      ['rotation', rotation(answer.rotationEndsAt)],
    ]),
  );
  out.note("the secret is shown this once: give it to the payee's receiver now");
}

export async function showSecret(client: GatewayClient, payeeId: string, out: Output): Promise<void> {
  const status = await client.get<PayeeSecretStatus>(path(payeeId));
  if (out.json) return out.data(status);
  out.line(
    keyValues([
      ['payee', status.payeeId],
      ['signed', 'yes'],
      ['since', time(status.createdAt)],
      ['rotation', rotation(status.rotationEndsAt)],
    ]),
  );
}

export async function removeSecret(client: GatewayClient, payeeId: string, out: Output): Promise<void> {
  const answer = await client.delete<PayeeSecretRemoved>(path(payeeId));
  if (out.json) return out.data(answer);
  out.line(`payee ${answer.payeeId}: callbacks are no longer signed (both secrets removed)`);
}

/** Every payee that signs (the gateway's pages of 1,000, followed to the end); never a secret. */
export async function listSecrets(client: GatewayClient, out: Output): Promise<void> {
  const payees: PayeeSecretStatus[] = [];
  let after: string | null = null;
  do {
    const page: PayeeSecretList = await client.get<PayeeSecretList>('/admin/payees/secrets', {
      limit: 1000,
      after: after ?? undefined,
    });
    payees.push(...page.payees);
    after = page.next;
  } while (after !== null);
  if (out.json) return out.data({ payees, next: null } satisfies PayeeSecretList);
  if (payees.length === 0) return out.line('no payee signs its callbacks');
  out.line(
    table(
      ['PAYEE', 'SIGNED SINCE', 'ROTATION'],
      payees.map((p) => [printable(p.payeeId), time(p.createdAt), rotation(p.rotationEndsAt)]),
    ),
  );
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/**
 * A duration: whole seconds (`3600`) or a number with a unit (`90s`, `30m`, `24h`, `1d`); `--overlap`
 * (`0` switches at once) and `recover`'s times ago read it. Returns seconds, or undefined when the
 * text is none of these.
 */
export function parseOverlap(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] || 's'] as number);
}
