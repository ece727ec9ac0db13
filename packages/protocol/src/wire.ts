// MixPay's documented answers, field by field, as plain TypeScript: what a MixPay-compatible
// gateway emits (shared/MIXPAY-API.md §3). Emitting side only: a client decoding MixPay's answers
// must be more lenient than this (MIXPAY-API.md §10). Names and JSON types follow MixPay, including
// where its endpoints disagree with each other (`paymentAssetSymbol` vs `paymentSymbol`,
// `isAsset` an int in one list and a bool in another).

/** A chain's native asset, as the asset lists nest it; `{}` for a fiat quote asset. */
export interface WireChainAsset {
  id: string;
  name: string;
  symbol: string;
  iconUrl: string;
}

/** An item of `GET /v1/setting/payment_assets` (§3.7). */
export interface WirePaymentAsset {
  assetId: string;
  name: string;
  symbol: string;
  iconUrl: string;
  network: string;
  /** false: the asset cannot be paid on-chain. */
  onChainSupported: boolean;
  /** Decimal strings; `maxPaymentAmount` `"0"` means the asset cannot pay this quote. */
  minPaymentAmount: string;
  maxPaymentAmount: string;
  chainAsset: WireChainAsset;
}

/** An item of `GET /v1/setting/quote_assets` (§3.8). */
export interface WireQuoteAsset {
  /** A crypto asset's UUID, or a lower-case fiat code (`usd`). */
  assetId: string;
  symbol: string;
  iconUrl: string;
  minQuoteAmount: string;
  maxQuoteAmount: string;
  /** Display precision: 2 for USD, 8 for BTC. */
  decimalDigit: number;
  /** An **integer** here: 0 fiat, 1 crypto. */
  isAsset: 0 | 1;
  chainAsset: WireChainAsset | Record<string, never>;
}

/** An item of `GET /v1/setting/settlement_assets` (§3.9). */
export interface WireSettlementAsset {
  assetId: string;
  name: string;
  symbol: string;
  iconUrl: string;
  network: string;
  /** A **boolean** here (compare WireQuoteAsset.isAsset). */
  isAsset: boolean;
  /** false: not usable as settlement for the given quote. */
  isAvailable: boolean;
  chainAsset: WireChainAsset;
}

/** `data` of `POST /v1/payments`, `POST /v1/payments/refresh` and `GET /v1/payments_info` (§3.1, §3.4). */
export interface WirePayment {
  isChain: boolean;
  /** End of the quote's tolerate period, Unix seconds (not the payment's closing deadline). */
  expire: number;
  /** Seconds left in that window, for a countdown. */
  seconds: number;
  payeeId: string;
  traceId: string;
  clientId: string;
  /** Echo; `""` when the payment has none. */
  orderId: string;
  paymentAssetId: string;
  paymentAssetSymbol: string;
  /** The exact amount the payer must send, a decimal string. */
  paymentAmount: string;
  settlementAssetId: string;
  settlementAssetSymbol: string;
  estimatedSettlementAmount: string;
  quoteAssetId: string;
  quoteAssetSymbol: string;
  quoteAmount: string;
  /** Base64 of `payment|<clientId>` for a Mixin payment; `""` on-chain. */
  memo: string;
  /** The Mixin bot to pay; `""` on-chain. */
  recipient: string;
  /** The on-chain deposit address; `""` for a Mixin payment. */
  destination: string;
  /** The deposit tag (memo) of chains that need one; usually `""`. */
  tag: string;
}

/** `data` of `POST /v1/one_time_payment` (§3.3): the code is the payment's traceId. */
export interface WireOneTimePayment {
  code: string;
  /**
   * payhook extension: the checkout link (`<gateway>/code/{code}`), where MixPay's is
   * `https://mixpay.me/code/{code}`. MixPay does not send it; payhook's kit uses it when given.
   */
  paymentUrl: string;
}

/** An item of `payments_result.transactions` (with `with=transactions`, §3.5). */
export interface WireTransaction {
  paymentAmount: string;
  paymentAssetId: string;
  /** `...AssetSymbol` here, unlike the result's `paymentSymbol`. */
  paymentAssetSymbol: string;
  paymentAssetVersion: string;
  requiredConfirms: number;
  confirmations: number;
  txid: string;
  blockExplorerUrl: string;
  /** ISO-8601 UTC with six fractional digits: `2023-06-25T13:47:23.000000Z`. */
  broadcastAt: string;
  confirmSeconds: number;
}

/** `payments_result.payment` (with `with=payment`, §3.5). */
export interface WireMultiPay {
  isMultiPay: boolean;
  isFullyPaid: boolean;
  totalTransactionsAmount: string;
}

/** `data` of `GET /v1/payments_result` (§3.5). */
export interface WirePaymentResult {
  status: 'unpaid' | 'pending' | 'failed' | 'auditing' | 'success';
  quoteAmount: string;
  quoteSymbol: string;
  quoteAssetId: string;
  quoteAssetVersion: string;
  paymentAmount: string;
  paymentSymbol: string;
  paymentAssetId: string;
  paymentAssetVersion: string;
  payee: string;
  payeeId: string;
  /** A string of digits. */
  payeeMixinNumber: string;
  payeeAvatarUrl: string;
  txid: string;
  blockExplorerUrl: string;
  /** Unix seconds, an integer. */
  date: number;
  surplusAmount: string;
  surplusStatus: 'no' | 'pending' | 'sending' | 'success';
  /** `-1` except while pending. */
  confirmations: number;
  payableAmount: string;
  payableSymbol: string;
  payableAssetId: string;
  payableAssetVersion: string;
  /** A string; `"0"`: no failure. */
  failureCode: string;
  failureReason: string;
  returnTo: string;
  traceId: string;
  settleStatus: '' | 'pending' | 'success';
  settleAmount: string;
  settleSymbol: string;
  /** No `Id` suffix. */
  settleAsset: string;
  settleAssetVersion: string;
  /**
   * payhook extension: the merchant's orderId (`""` when it gave only a traceId). MixPay's
   * payments_result does not document it; payhook's kit and CLI show it.
   */
  orderId: string;
  transactions?: WireTransaction[];
  payment?: WireMultiPay;
}

/** `data` of `GET /v1/payments_estimated` (§3.6): every field a string. */
export interface WireEstimate {
  price: string;
  estimatedSettlementAmount: string;
  settlementAssetId: string;
  settlementAssetSymbol: string;
  paymentAssetId: string;
  paymentAssetSymbol: string;
  paymentAmount: string;
  quoteAssetSymbol: string;
  quoteAssetId: string;
  quoteAmount: string;
}

/** `data` of `GET /v1/user/mixin_uuid/{mixin_id}` (§3.11). */
export interface WirePayeeId {
  payeeId: string;
}

/** `data` of `POST /v1/multisig` (§3.12). */
export interface WireMultisig {
  multisigId: string;
}
