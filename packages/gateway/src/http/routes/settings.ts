// The look-ups MixPay's SDKs and plugin make besides payments: the asset lists, the price
// estimate, a Mixin number's payeeId and a multisig group's id. The asset answers come from the
// sandbox catalog; a Mixin number and a multisig group have no counterpart here, so they get
// deterministic stand-ins (the same input always answers the same id; docs/compatibility.md).
import {
  type AssetListQuery,
  assetListQuery,
  ErrorCode,
  multisigRequest,
  okEnvelope,
  paymentsEstimatedQuery,
} from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Asset } from '../../assets.js';
import { ParameterError } from '../../errors.js';
import type { HttpContext } from '../context.js';
import { requestInput } from '../mixpay-input.js';
import {
  type PresentContext,
  presentEstimate,
  presentPaymentAsset,
  presentQuoteAsset,
  presentSettlementAsset,
  standInId,
} from '../present.js';
import { parseInput } from '../validate.js';

export const mixinParams = z.object({
  mixinId: z.string().regex(/^\d{1,20}$/, 'must be a Mixin number (digits only)'),
});

export async function settingRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { catalog, clock } = ctx;
  const present: PresentContext = ctx;
  const crypto = () => catalog.list().filter((a) => !a.fiat);

  const known = (field: string, id: string, code: number): Asset => {
    const asset = catalog.get(id);
    if (!asset) throw new ParameterError(`${field}: ${id} is not a supported asset`, code);
    return asset;
  };
  const payable = (field: string, id: string): Asset => {
    const asset = catalog.getPayable(id);
    if (!asset) throw new ParameterError(`${field}: ${id} is not a supported crypto asset`, ErrorCode.unsupportedAsset);
    return asset;
  };
  /** `quoteAmount` counts only together with `quoteAssetId` (MIXPAY-API.md §3.7). */
  const quoteOf = (q: AssetListQuery) => {
    if (q.quoteAssetId === undefined) return undefined;
    const asset = known('quoteAssetId', q.quoteAssetId, ErrorCode.unsupportedQuoteAsset);
    return q.quoteAmount === undefined ? undefined : { asset, amount: q.quoteAmount };
  };

  // payeeId is accepted and checked; the sandbox has one list for every payee.
  app.get('/v1/setting/payment_assets', async (request) => {
    const quote = quoteOf(parseInput(assetListQuery, requestInput(request)));
    return okEnvelope(
      crypto().map((a) => presentPaymentAsset(a, quote, present)),
      clock.now(),
    );
  });

  app.get('/v1/setting/quote_assets', async (request) => {
    parseInput(assetListQuery, requestInput(request));
    return okEnvelope(
      catalog.list().map((a) => presentQuoteAsset(a, present)),
      clock.now(),
    );
  });

  app.get('/v1/setting/settlement_assets', async (request) => {
    const quote = quoteOf(parseInput(assetListQuery, requestInput(request)));
    return okEnvelope(
      crypto().map((a) => presentSettlementAsset(a, quote, present)),
      clock.now(),
    );
  });

  /** The price of a payment before creating it; `paymentAmount` wins over `quoteAmount`. */
  app.get('/v1/payments_estimated', async (request) => {
    const q = parseInput(paymentsEstimatedQuery, requestInput(request));
    const assets = {
      payment: payable('paymentAssetId', q.paymentAssetId),
      settlement: payable('settlementAssetId', q.settlementAssetId),
      quote: known('quoteAssetId', q.quoteAssetId, ErrorCode.unsupportedQuoteAsset),
    };
    const amounts =
      q.paymentAmount !== undefined
        ? { paymentAmount: q.paymentAmount, quoteAmount: catalog.settle(q.paymentAmount, assets.payment, assets.quote) }
        : {
            quoteAmount: q.quoteAmount as string,
            paymentAmount: catalog.quote(q.quoteAmount as string, assets.quote, assets.payment),
          };
    return okEnvelope(presentEstimate(amounts, assets, catalog), clock.now());
  });

  /** Stand-in: every Mixin number is a MixPay user, whose payeeId is derived from the number. */
  app.get('/v1/user/mixin_uuid/:mixinId', async (request) => {
    const { mixinId } = parseInput(mixinParams, request.params);
    return okEnvelope({ payeeId: standInId('payhook-sandbox', 'mixin-user', mixinId) }, clock.now());
  });

  /** Stand-in: the id of a group is derived from its members (in any order) and its threshold. */
  app.post('/v1/multisig', async (request) => {
    const input = requestInput(request);
    const { receivers, threshold } = parseInput(multisigRequest, { ...input, receivers: receiversOf(input) });
    const members = [...new Set(receivers)].sort();
    if (members.length < 3) throw new ParameterError('receivers: must name at least 3 different members');
    if (threshold > members.length) {
      throw new ParameterError(
        `threshold: ${threshold} exceeds the ${members.length} members`,
        ErrorCode.thresholdExceedsMembers,
      );
    }
    return okEnvelope(
      { multisigId: standInId('payhook-sandbox', 'multisig', String(threshold), ...members) },
      clock.now(),
    );
  });
}

/**
 * `receivers` as a JSON array, as repeated `receivers[]=…` (MixPay's docs) or as PHP's indexed
 * `receivers[0]=…&receivers[1]=…` (the WooCommerce plugin).
 */
function receiversOf(input: Record<string, unknown>): unknown {
  const plain = input.receivers ?? input['receivers[]'];
  if (plain !== undefined) return typeof plain === 'string' ? [plain] : plain;
  const indexed = Object.keys(input)
    .map((key) => /^receivers\[(\d{1,3})\]$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  return indexed.length === 0 ? undefined : indexed.map((m) => input[m[0]]);
}
