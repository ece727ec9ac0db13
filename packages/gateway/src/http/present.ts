// Domain → MixPay wire format. The only place that knows how MixPay spells a payment and an
// asset; every shape is one of protocol's Wire* interfaces (MixPay's documented answers).
import { createHash } from 'node:crypto';
import {
  compareDecimals,
  FAILURE_REASONS,
  type ResultInclude,
  subtractDecimals,
  type WireChainAsset,
  type WireEstimate,
  type WireMultiPay,
  type WirePayment,
  type WirePaymentAsset,
  type WirePaymentResult,
  type WireQuoteAsset,
  type WireSettlementAsset,
  type WireTransaction,
} from '@payhook/protocol';
import type { Asset, AssetCatalog } from '../domain/assets.js';
import type { PaymentState } from '../domain/lifecycle.js';
import type { Payment, Transfer } from '../interfaces.js';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** What presenting needs besides the payment: where this gateway is, and the quote window. */
export interface PresentContext {
  catalog: AssetCatalog;
  /** Base URL of this gateway as payers reach it (icons, avatars). */
  publicUrl: string;
  /** Length of a quote's tolerate period. */
  quoteWindowMs: number;
}

/**
 * The Mixin bot a sandbox Mixin payment is "paid" to. The UUID of MixPay's own bot
 * (3539c3ce-…, in its docs' examples) is not used: nothing here can receive for it.
 */
export const SANDBOX_RECIPIENT = 'a7c5f7c2-0e7b-4d6e-9f1a-5a6e1d2c3b4f';

/** A deterministic UUID-shaped id made from `parts` (sandbox stand-ins: payee ids, multisig ids). */
export function standInId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  // Version 8 ("custom") with the RFC 4122 variant: a valid UUID nobody else issues.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Payees' stand-in Mixin numbers, so a payments_result does not hash its payee's id each time. */
const mixinNumbers = new Map<string, string>();
const MIXIN_NUMBERS_KEPT = 10_000;

/** A payee's stand-in Mixin number: 8–9 digits derived from its id. */
export function standInMixinNumber(payeeId: string): string {
  let number = mixinNumbers.get(payeeId);
  if (number === undefined) {
    const h = createHash('sha256').update(`payhook-sandbox|mixin-number|${payeeId.toLowerCase()}`).digest();
    number = String(10_000_000 + (h.readUInt32BE(0) % 890_000_000));
    // Bounded: past the limit it starts over (a rebuild costs one hash per payee).
    if (mixinNumbers.size >= MIXIN_NUMBERS_KEPT) mixinNumbers.clear();
    mixinNumbers.set(payeeId, number);
  }
  return number;
}

const iconUrl = (publicUrl: string, name: string) => `${publicUrl}/assets/icons/${encodeURIComponent(name)}.svg`;

/** `data` of `GET /v1/payments_result`. */
export function presentResult(
  { payment: p, transfers }: PaymentState,
  include: readonly ResultInclude[],
  ctx: PresentContext,
): WirePaymentResult {
  const { catalog } = ctx;
  const counted = transfers.filter((t) => t.assetId === p.paymentAssetId);
  const last = transfers.at(-1);
  const first = transfers[0];
  const paySymbol = catalog.symbolOf(p.paymentAssetId);
  const data: WirePaymentResult = {
    status: p.status,
    quoteAmount: p.quoteAmount,
    quoteSymbol: catalog.symbolOf(p.quoteAssetId),
    quoteAssetId: p.quoteAssetId,
    quoteAssetVersion: '',
    // Before payment: what to pay. After: what was paid (a failed payment says what the payer sent).
    paymentAmount: p.status === 'unpaid' ? (p.payableAmount ?? '') : p.paidAmount,
    paymentSymbol: paySymbol,
    paymentAssetId: p.paymentAssetId ?? '',
    paymentAssetVersion: versionOf(catalog, p.paymentAssetId),
    payee: payeeName(p.payeeId),
    payeeId: p.payeeId,
    payeeMixinNumber: standInMixinNumber(p.payeeId),
    payeeAvatarUrl: iconUrl(ctx.publicUrl, 'payee'),
    // MixPay: the on-chain hash, "" for a Mixin payment.
    txid: p.isChain ? (last?.txid ?? '') : '',
    blockExplorerUrl: '',
    date: seconds(first?.createdAt ?? p.createdAt),
    surplusAmount: p.surplusAmount,
    surplusStatus: p.surplusStatus,
    confirmations: p.status === 'pending' && counted.length > 0 ? Math.min(...counted.map((t) => t.confirmations)) : -1,
    payableAmount: p.payableAmount ?? '',
    payableSymbol: paySymbol,
    payableAssetId: p.paymentAssetId ?? '',
    payableAssetVersion: versionOf(catalog, p.paymentAssetId),
    failureCode: p.failureCode ?? '0',
    failureReason: FAILURE_REASONS[p.failureCode ?? '0'],
    returnTo: (p.status === 'success' ? p.returnTo : p.status === 'failed' ? p.failedReturnTo : null) ?? '',
    traceId: p.traceId,
    settleStatus: p.settleStatus,
    settleAmount: p.settleAmount ?? '',
    settleSymbol: catalog.symbolOf(p.settleAssetId),
    settleAsset: p.settleAssetId ?? '',
    settleAssetVersion: versionOf(catalog, p.settleAssetId),
    orderId: p.orderId ?? '',
  };
  if (include.includes('payment')) data.payment = presentMultiPay(p);
  if (include.includes('transactions')) data.transactions = transfers.map((t) => presentTransaction(t, catalog));
  return data;
}

function presentTransaction(t: Transfer, catalog: AssetCatalog): WireTransaction {
  const required = catalog.get(t.assetId)?.requiredConfirmations ?? 0;
  const confirmed = t.confirmations >= required;
  return {
    paymentAmount: t.amount,
    paymentAssetId: t.assetId,
    paymentAssetSymbol: catalog.symbolOf(t.assetId),
    paymentAssetVersion: versionOf(catalog, t.assetId),
    requiredConfirms: required,
    confirmations: t.confirmations,
    txid: t.txid,
    blockExplorerUrl: '',
    broadcastAt: broadcastAt(t.createdAt),
    // How long confirming took; the last confirmation's time is when the transfer was last updated.
    confirmSeconds: confirmed ? seconds(t.updatedAt - t.createdAt) : 0,
  };
}

/** MixPay's `2023-06-25T13:47:23.000000Z`: ISO-8601 UTC with six fractional digits. */
export function broadcastAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function presentMultiPay(p: Payment): WireMultiPay {
  return { isMultiPay: p.isMultiPay, isFullyPaid: isFullyPaid(p), totalTransactionsAmount: p.paidAmount };
}

const isFullyPaid = (p: Payment) => p.payableAmount !== null && compareDecimals(p.paidAmount, p.payableAmount) >= 0;

/** What the payer still owes in the payment asset: `""` while the asset is open, `"0"` once paid. */
export function remainingAmount(p: Payment): string {
  if (p.payableAmount === null) return '';
  return isFullyPaid(p) ? '0' : subtractDecimals(p.payableAmount, p.paidAmount);
}

/**
 * `data` of `POST /v1/payments`, `POST /v1/payments/refresh` and `GET /v1/payments_info`:
 * what the payer must send, where to, and how long the quote holds.
 */
export function presentInfo({ payment: p }: PaymentState, now: number, ctx: PresentContext): WirePayment {
  const { catalog } = ctx;
  const settlementAsset = catalog.getPayable(p.settlementAssetId);
  const paymentAsset = p.paymentAssetId === null ? undefined : catalog.getPayable(p.paymentAssetId);
  const expireMs = p.quotedAt + ctx.quoteWindowMs;
  return {
    isChain: p.isChain,
    expire: seconds(expireMs),
    seconds: Math.max(0, seconds(expireMs - now)),
    payeeId: p.payeeId,
    traceId: p.traceId,
    clientId: p.clientId,
    orderId: p.orderId ?? '',
    paymentAssetId: p.paymentAssetId ?? '',
    paymentAssetSymbol: catalog.symbolOf(p.paymentAssetId),
    paymentAmount: p.payableAmount ?? '',
    settlementAssetId: p.settlementAssetId,
    settlementAssetSymbol: catalog.symbolOf(p.settlementAssetId),
    estimatedSettlementAmount:
      paymentAsset && settlementAsset && p.payableAmount !== null
        ? catalog.settle(p.payableAmount, paymentAsset, settlementAsset)
        : '',
    quoteAssetId: p.quoteAssetId,
    quoteAssetSymbol: catalog.symbolOf(p.quoteAssetId),
    quoteAmount: p.quoteAmount,
    memo: p.isChain ? '' : mixinMemo(p.clientId),
    recipient: p.isChain ? '' : SANDBOX_RECIPIENT,
    destination: p.destination ?? '',
    tag: p.tag ?? '',
  };
}

/** MixPay's memo for the payer's Mixin transfer: base64 of `payment|<clientId>` (MIXPAY-API.md §7). */
export function mixinMemo(clientId: string): string {
  return Buffer.from(`payment|${clientId}`, 'utf8').toString('base64');
}

/** `data` of `GET /v1/payments_estimated`. */
export function presentEstimate(
  amounts: { paymentAmount: string; quoteAmount: string },
  assets: { payment: Asset; settlement: Asset; quote: Asset },
  catalog: AssetCatalog,
): WireEstimate {
  return {
    // Price of one unit of the payment asset in the quote asset.
    price: catalog.settle('1', assets.payment, assets.quote),
    estimatedSettlementAmount: catalog.settle(amounts.paymentAmount, assets.payment, assets.settlement),
    settlementAssetId: assets.settlement.id,
    settlementAssetSymbol: assets.settlement.symbol,
    paymentAssetId: assets.payment.id,
    paymentAssetSymbol: assets.payment.symbol,
    paymentAmount: amounts.paymentAmount,
    quoteAssetSymbol: assets.quote.symbol,
    quoteAssetId: assets.quote.id,
    quoteAmount: amounts.quoteAmount,
  };
}

function chainAsset(asset: Asset, ctx: PresentContext): WireChainAsset {
  const chain = ctx.catalog.chainOf(asset) ?? asset;
  return { id: chain.id, name: chain.name, symbol: chain.symbol, iconUrl: iconUrl(ctx.publicUrl, chain.symbol) };
}

/** A quote the asset lists are asked about: `amount` of `asset` (`quoteAssetId`, `quoteAmount`). */
export interface AssetQuote {
  asset: Asset;
  amount: string;
}

/** The fields an item of `payment_assets` and of `settlement_assets` open with, in MixPay's order. */
function listedAsset(
  asset: Asset,
  ctx: PresentContext,
): Pick<WirePaymentAsset & WireSettlementAsset, 'assetId' | 'name' | 'symbol' | 'iconUrl' | 'network'> {
  return {
    assetId: asset.id,
    name: asset.name,
    symbol: asset.symbol,
    iconUrl: iconUrl(ctx.publicUrl, asset.symbol),
    network: asset.network,
  };
}

/**
 * An item of `payment_assets`. With a quote, the bounds are those of that quote: `maxPaymentAmount`
 * `"0"` when the quote's price in this asset lies outside the asset's bounds (MixPay: not usable).
 */
export function presentPaymentAsset(
  asset: Asset,
  quote: AssetQuote | undefined,
  ctx: PresentContext,
): WirePaymentAsset {
  const priced = quote === undefined ? undefined : ctx.catalog.quote(quote.amount, quote.asset, asset);
  const usable = priced === undefined || ctx.catalog.withinPaymentBounds(asset, priced);
  return {
    ...listedAsset(asset, ctx),
    onChainSupported: asset.deposit !== null,
    minPaymentAmount: asset.minPaymentAmount,
    maxPaymentAmount: usable ? asset.maxPaymentAmount : '0',
    chainAsset: chainAsset(asset, ctx),
  };
}

export function presentQuoteAsset(asset: Asset, ctx: PresentContext): WireQuoteAsset {
  return {
    assetId: asset.id,
    symbol: asset.symbol,
    iconUrl: iconUrl(ctx.publicUrl, asset.symbol),
    minQuoteAmount: asset.minQuoteAmount,
    maxQuoteAmount: asset.maxQuoteAmount,
    decimalDigit: asset.decimalDigit,
    isAsset: asset.fiat ? 0 : 1,
    chainAsset: asset.fiat ? {} : chainAsset(asset, ctx),
  };
}

/** An item of `settlement_assets`; with a quote, `isAvailable` says whether it can settle that quote. */
export function presentSettlementAsset(
  asset: Asset,
  quote: AssetQuote | undefined,
  ctx: PresentContext,
): WireSettlementAsset {
  const priced = quote === undefined ? undefined : ctx.catalog.settle(quote.amount, quote.asset, asset);
  return {
    ...listedAsset(asset, ctx),
    isAsset: !asset.fiat,
    isAvailable: priced === undefined || compareDecimals(priced, '0') > 0,
    chainAsset: chainAsset(asset, ctx),
  };
}

/** MixPay's `*AssetVersion`: the token standard (`"ERC20"`), `""` for native coins and fiat. */
function versionOf(catalog: AssetCatalog, id: string | null): string {
  const asset = id === null ? undefined : catalog.get(id);
  return asset?.network === 'ERC20' ? 'ERC20' : '';
}

function payeeName(payeeId: string): string {
  return `Sandbox payee ${payeeId.slice(0, 8)}`;
}
