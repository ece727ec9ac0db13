// MixPay's answers as its documentation describes them, field by field, transcribed from the
// tables of /work/shared/MIXPAY-API.md (§1.1, §3.1, §3.3, §3.5) and not from payhook's own
// schemas, so a mistake shared by the gateway and the kit cannot hide. Test code only: the
// kit's vector suite runs these shapes through the real client, and the gateway's answers can
// be held against the same tables (`documentedShape`).

/** A JSON type as the docs give it. `decimal` is a string of decimal digits (`"0.01"`). */
export type DocumentedType = 'string' | 'decimal' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

/** Field → its documented JSON type(s). */
export type DocumentedFields = Readonly<Record<string, DocumentedType | readonly DocumentedType[]>>;

/** §1.1: every answer, success or error. `data` is an object, an array for asset lists, `[]` on errors. */
export const ENVELOPE_FIELDS: DocumentedFields = {
  code: 'integer',
  success: 'boolean',
  message: 'string',
  data: ['object', 'array'],
  timestampMs: 'integer',
};

/** §3.5: `data` of `GET /v1/payments_result` (without the `with=` parts). */
export const PAYMENTS_RESULT_FIELDS: DocumentedFields = {
  status: 'string',
  quoteAmount: 'decimal',
  quoteSymbol: 'string',
  quoteAssetId: 'string',
  quoteAssetVersion: 'string',
  paymentAmount: 'decimal',
  paymentSymbol: 'string',
  paymentAssetId: 'string',
  paymentAssetVersion: 'string',
  payee: 'string',
  payeeId: 'string',
  payeeMixinNumber: 'string',
  payeeAvatarUrl: 'string',
  txid: 'string',
  blockExplorerUrl: 'string',
  // A number in the docs; live data differs (§10.1), which the kit's vectors cover.
  date: 'integer',
  surplusAmount: 'decimal',
  surplusStatus: 'string',
  confirmations: 'integer',
  payableAmount: 'decimal',
  payableSymbol: 'string',
  payableAssetId: 'string',
  payableAssetVersion: 'string',
  failureCode: 'string',
  failureReason: 'string',
  returnTo: 'string',
  traceId: 'string',
  settleStatus: 'string',
  // `""` while settleStatus is pending, so a string rather than a decimal.
  settleAmount: 'string',
  settleSymbol: 'string',
  settleAsset: 'string',
  settleAssetVersion: 'string',
};

/** §3.5: the `payment` object of `with=payment`. */
export const PAYMENT_PROGRESS_FIELDS: DocumentedFields = {
  isMultiPay: 'boolean',
  isFullyPaid: 'boolean',
  totalTransactionsAmount: 'decimal',
};

/** §3.5: one `transactions[]` item of `with=transactions`. */
export const TRANSACTION_FIELDS: DocumentedFields = {
  paymentAmount: 'decimal',
  paymentAssetId: 'string',
  paymentAssetSymbol: 'string',
  paymentAssetVersion: 'string',
  requiredConfirms: 'integer',
  confirmations: 'integer',
  txid: 'string',
  blockExplorerUrl: 'string',
  broadcastAt: 'string',
  confirmSeconds: 'integer',
};

/** §3.1 / §3.4: `data` of `POST /v1/payments` and `GET /v1/payments_info` (Mixin example; `orderId` only there). */
export const PAYMENT_INFO_FIELDS: DocumentedFields = {
  isChain: 'boolean',
  expire: 'integer',
  seconds: 'integer',
  payeeId: 'string',
  traceId: 'string',
  clientId: 'string',
  paymentAssetId: 'string',
  paymentAssetSymbol: 'string',
  paymentAmount: 'decimal',
  settlementAssetId: 'string',
  settlementAssetSymbol: 'string',
  estimatedSettlementAmount: 'decimal',
  quoteAssetId: 'string',
  quoteAssetSymbol: 'string',
  quoteAmount: 'decimal',
  memo: 'string',
  recipient: 'string',
  destination: 'string',
  tag: 'string',
};

/** §3.3: `data` of `POST /v1/one_time_payment`. */
export const ONE_TIME_PAYMENT_FIELDS: DocumentedFields = { code: 'string' };

const DECIMAL = /^\d+(\.\d+)?$/;

function hasType(value: unknown, type: DocumentedType): boolean {
  switch (type) {
    case 'decimal':
      return typeof value === 'string' && DECIMAL.test(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** One way an answer departs from the documented table. */
export interface ShapeProblem {
  path: string;
  problem: 'missing' | 'type';
  expected: string;
  actual?: string;
}

/**
 * Every documented field that `data` lacks or carries with another JSON type. Extra fields are
 * not problems (MixPay has undocumented ones, §10.11). `prefix` names where `data` sits.
 */
export function documentedShape(fields: DocumentedFields, data: unknown, prefix = ''): ShapeProblem[] {
  if (!hasType(data, 'object'))
    return [{ path: prefix || '.', problem: 'type', expected: 'object', actual: jsonType(data) }];
  const record = data as Record<string, unknown>;
  const problems: ShapeProblem[] = [];
  for (const [field, documented] of Object.entries(fields)) {
    const types = typeof documented === 'string' ? [documented] : documented;
    const path = `${prefix}${field}`;
    if (!(field in record)) problems.push({ path, problem: 'missing', expected: types.join('|') });
    else if (!types.some((t) => hasType(record[field], t))) {
      problems.push({ path, problem: 'type', expected: types.join('|'), actual: jsonType(record[field]) });
    }
  }
  return problems;
}

/** documentedShape of a whole payments_result `data`, with its `payment` and `transactions` when present. */
export function documentedResultShape(data: unknown): ShapeProblem[] {
  const problems = documentedShape(PAYMENTS_RESULT_FIELDS, data);
  const record = (hasType(data, 'object') ? data : {}) as Record<string, unknown>;
  if ('payment' in record) problems.push(...documentedShape(PAYMENT_PROGRESS_FIELDS, record.payment, 'payment.'));
  if ('transactions' in record) {
    if (!Array.isArray(record.transactions)) {
      problems.push({
        path: 'transactions',
        problem: 'type',
        expected: 'array',
        actual: jsonType(record.transactions),
      });
    } else {
      record.transactions.forEach((t, i) => {
        problems.push(...documentedShape(TRANSACTION_FIELDS, t, `transactions.${i}.`));
      });
    }
  }
  return problems;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// The documented example answers, with the example values of the tables. Ids a test must
// control (payee, trace, amount, quote asset) are parameters.

/** MixPay's own Mixin bot, the `recipient` of both Mixin examples (§3.1). */
export const MIXPAY_RECIPIENT = '3539c3ce-52c0-4b0b-9573-c035ecb98d48';
export const USDT_ERC20 = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';
export const BTC = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
export const TRX = '25dabac5-056a-48ff-b9f9-f67395dc407c';
const TXID = 'a8f5f167f44f4964e6c998dee827110c0000000000000000000000000000beef';

export interface ExampleIds {
  payeeId: string;
  traceId: string;
  quoteAmount: string;
  quoteAssetId: string;
}

/** The envelope around `data` (§1.1). */
export function documentedEnvelope(data: unknown, timestampMs = 1_659_340_935_523) {
  return { code: 0, success: true, message: '', data, timestampMs };
}

/** The error envelope: a non-zero code, `success: false`, `data: []` (§1.1, the 10008 example). */
export function documentedError(code = 10008, message = 'Payments are suspended for maintenance') {
  return { code, success: false, message, data: [], timestampMs: 1_659_340_935_523 };
}

/** A settled `success` answer of payments_result with every field of the §3.5 table. */
export function documentedPaymentsResult(ids: ExampleIds): Record<string, unknown> {
  return {
    status: 'success',
    quoteAmount: ids.quoteAmount,
    quoteSymbol: ids.quoteAssetId.toUpperCase(),
    quoteAssetId: ids.quoteAssetId,
    quoteAssetVersion: '',
    paymentAmount: '0.010013',
    paymentSymbol: 'USDT',
    paymentAssetId: USDT_ERC20,
    paymentAssetVersion: 'ERC20',
    payee: 'payee_username',
    payeeId: ids.payeeId,
    payeeMixinNumber: '38000008',
    payeeAvatarUrl: 'https://mixin-images.zeromesh.net/avatar.png',
    txid: '',
    blockExplorerUrl: '',
    date: 1_656_513_302,
    surplusAmount: '0',
    surplusStatus: 'no',
    confirmations: -1,
    payableAmount: '0.010013',
    payableSymbol: 'USDT',
    payableAssetId: USDT_ERC20,
    payableAssetVersion: 'ERC20',
    failureCode: '0',
    failureReason: '',
    returnTo: 'https://shop.example/thanks',
    traceId: ids.traceId,
    settleStatus: 'success',
    settleAmount: '0.00003',
    settleSymbol: 'BTC',
    settleAsset: BTC,
    settleAssetVersion: '',
  };
}

/** The `payment` object of `with=payment` (§3.5): one transfer covering what was owed. */
export function documentedPaymentProgress(total = '0.010013', fullyPaid = true, multiPay = false) {
  return { isMultiPay: multiPay, isFullyPaid: fullyPaid, totalTransactionsAmount: total };
}

/** A `transactions[]` item (§3.5), the TRON example. */
export function documentedTransaction(overrides: Record<string, unknown> = {}) {
  return {
    paymentAmount: '0.2',
    paymentAssetId: TRX,
    paymentAssetSymbol: 'TRX',
    paymentAssetVersion: '',
    requiredConfirms: 1,
    confirmations: 10,
    txid: TXID,
    blockExplorerUrl: `https://tronscan.org/#/transaction/${TXID}`,
    broadcastAt: '2023-06-25T13:47:23.000000Z',
    confirmSeconds: 0,
    ...overrides,
  };
}

/** `data` of `POST /v1/payments` for a Mixin-wallet payment (§3.1, the Mixin example). */
export function documentedPaymentInfo(ids: ExampleIds & { orderId?: string }): Record<string, unknown> {
  return {
    isChain: false,
    expire: 1_659_340_995,
    seconds: 60,
    payeeId: ids.payeeId,
    traceId: ids.traceId,
    clientId: '87583280-7fd2-4b43-a1f8-5d4c3b2a1f0e',
    orderId: ids.orderId ?? 'myapp_20001',
    paymentAssetId: USDT_ERC20,
    paymentAssetSymbol: 'USDT',
    paymentAmount: '0.00593523',
    settlementAssetId: BTC,
    settlementAssetSymbol: 'BTC',
    estimatedSettlementAmount: '0.0004284',
    quoteAssetId: ids.quoteAssetId,
    quoteAssetSymbol: ids.quoteAssetId.toUpperCase(),
    quoteAmount: ids.quoteAmount,
    memo: 'cGF5bWVudHw4NzU4MzI4MC03ZmQyLTRiNDMtYTFmOC01ZDRjM2IyYTFmMGU=',
    recipient: MIXPAY_RECIPIENT,
    destination: '',
    tag: '',
  };
}

/** The on-chain form of the same answer (§3.1): no memo or recipient, a destination instead. */
export function documentedOnChainPaymentInfo(ids: ExampleIds): Record<string, unknown> {
  const { orderId: _onlyInTheMixinExample, ...info } = documentedPaymentInfo(ids);
  return {
    ...info,
    isChain: true,
    seconds: 600,
    memo: '',
    recipient: '',
    destination: '1NohyFdBUa2Lr8PPc9sRNDvbW6tU2mxZqg',
  };
}

/** `data` of `POST /v1/one_time_payment` (§3.3): only the code, which is the traceId. */
export function documentedOneTimePayment(code: string) {
  return { code };
}
