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
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Asset } from '../../domain/assets.js';
import { ParameterError } from '../../errors.js';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';
import { requestInput } from '../mixpay-input.js';
import { mixinParams } from '../params.js';
import {
  type PresentContext,
  presentEstimate,
  presentPaymentAsset,
  presentQuoteAsset,
  presentSettlementAsset,
  standInId,
} from '../present.js';

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

  /** A crypto asset list, bounds specific to the quote when one is given. */
  const cryptoList =
    (presentAsset: typeof presentPaymentAsset | typeof presentSettlementAsset) =>
    async ({ query }: { query: AssetListQuery }) => {
      const quote = quoteOf(query);
      return okEnvelope(
        crypto().map((a) => presentAsset(a, quote, present)),
        clock.now(),
      );
    };

  // payeeId is accepted and checked; the sandbox has one list for every payee.
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/setting/payment_assets',
      tag: 'payments',
      summary: 'Assets a payer can pay in (bounds specific to quoteAssetId and quoteAmount when given)',
      query: assetListQuery,
      input: requestInput,
    },
    cryptoList(presentPaymentAsset),
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/setting/quote_assets',
      tag: 'payments',
      summary: 'Assets and fiat currencies a price can be quoted in',
      query: assetListQuery,
      input: requestInput,
    },
    async () =>
      okEnvelope(
        catalog.list().map((a) => presentQuoteAsset(a, present)),
        clock.now(),
      ),
  );

  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/setting/settlement_assets',
      tag: 'payments',
      summary: 'Assets a payee can be settled in',
      query: assetListQuery,
      input: requestInput,
    },
    cryptoList(presentSettlementAsset),
  );

  /** The price of a payment before creating it; `paymentAmount` wins over `quoteAmount`. */
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/payments_estimated',
      tag: 'payments',
      summary: 'The price of a payment before creating it (paymentAmount wins over quoteAmount)',
      query: paymentsEstimatedQuery,
      input: requestInput,
    },
    async ({ query: q }) => {
      const assets = {
        payment: payable('paymentAssetId', q.paymentAssetId),
        settlement: payable('settlementAssetId', q.settlementAssetId),
        quote: known('quoteAssetId', q.quoteAssetId, ErrorCode.unsupportedQuoteAsset),
      };
      const amounts =
        q.paymentAmount !== undefined
          ? {
              paymentAmount: q.paymentAmount,
              quoteAmount: catalog.settle(q.paymentAmount, assets.payment, assets.quote),
            }
          : {
              quoteAmount: q.quoteAmount as string,
              paymentAmount: catalog.quote(q.quoteAmount as string, assets.quote, assets.payment),
            };
      return okEnvelope(presentEstimate(amounts, assets, catalog), clock.now());
    },
  );

  /** Stand-in: every Mixin number is a MixPay user, whose payeeId is derived from the number. */
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/v1/user/mixin_uuid/:mixinId',
      tag: 'payments',
      summary: "A Mixin number's payeeId (sandbox: a deterministic stand-in)",
      params: mixinParams,
    },
    async ({ params: { mixinId } }) =>
      okEnvelope({ payeeId: standInId('payhook-sandbox', 'mixin-user', mixinId) }, clock.now()),
  );

  /** Stand-in: the id of a group is derived from its members (in any order) and its threshold. */
  apiRoute(
    app,
    {
      method: 'POST',
      url: '/v1/multisig',
      tag: 'payments',
      summary: "A multisig group's payee id (sandbox: a deterministic stand-in from members and threshold)",
      description: 'receivers as a JSON array, repeated receivers[]=, or receivers[0]=, receivers[1]=…',
      body: multisigRequest,
      input: multisigInput,
      form: true,
    },
    async ({ body: { receivers, threshold } }) => {
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
    },
  );
}

/** MixPay's parameters with `receivers` gathered from whichever form the client sent. */
function multisigInput(request: FastifyRequest): unknown {
  const input = requestInput(request);
  return { ...input, receivers: receiversOf(input) };
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
