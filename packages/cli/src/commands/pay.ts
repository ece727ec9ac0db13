// `payhook pay <traceId|code>`: one sandbox transfer, as a payer's wallet would send it.
import type { TransferAnswer } from '@payhook/protocol';
import { isUuid, resolveAsset } from '../assets.js';
import type { GatewayClient } from '../client.js';
import { GatewayError } from '../errors.js';
import { count, resultSummary } from '../format.js';
import type { Output } from '../output.js';

export interface PayOptions {
  /** Amount in the payment asset; default: what is still owed. */
  amount?: string | undefined;
  /** Asset id or symbol; default: the payment's asset. */
  asset?: string | undefined;
  /** Default: enough for the asset. */
  confirmations?: number | undefined;
  txid?: string | undefined;
  /** Treat the identifier as a one-time payment code even if it looks like a traceId. */
  code?: boolean;
}

export async function pay(client: GatewayClient, id: string, options: PayOptions, out: Output): Promise<void> {
  const answer = await sendTransfer(client, id, options);
  if (out.json) return out.data(answer);
  const t = answer.transfer;
  const symbol = answer.result.transactions?.find((x) => x.txid === t.txid)?.paymentAssetSymbol ?? t.assetId;
  out.line(
    `sent ${t.amount} ${symbol} to payment ${t.traceId} (txid ${t.txid}, ${count(t.confirmations, 'confirmation')})`,
  );
  out.line(resultSummary(answer.result));
}

/**
 * Transfers to a traceId or a one-time code. Codes are UUIDs too, so a UUID is tried as a
 * traceId first and, if no payment has it, as a code; an unknown id changes nothing either way.
 */
export async function sendTransfer(client: GatewayClient, id: string, options: PayOptions): Promise<TransferAnswer> {
  const body = {
    amount: options.amount,
    assetId: await resolveAsset(client, options.asset),
    confirmations: options.confirmations,
    txid: options.txid,
  };
  if (options.code || !isUuid(id)) return client.post<TransferAnswer>('/v1/sandbox/transfers', { ...body, code: id });
  try {
    return await client.post<TransferAnswer>('/v1/sandbox/transfers', { ...body, traceId: id });
  } catch (error) {
    if (!(error instanceof GatewayError && error.code === 404) || isMissingRoute(error)) throw error;
    try {
      return await client.post<TransferAnswer>('/v1/sandbox/transfers', { ...body, code: id });
    } catch (second) {
      if (second instanceof GatewayError && second.code === 404) {
        throw new GatewayError(404, `no payment has traceId or one-time code ${id}`, 404);
      }
      throw second;
    }
  }
}

/** A 404 from the router (the sandbox is off), not from a lookup. */
export const isMissingRoute = (error: GatewayError): boolean => error.gatewayMessage.startsWith('no route for ');
