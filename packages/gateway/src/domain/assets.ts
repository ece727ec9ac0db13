// The assets the sandbox knows: fixed USD prices, confirmation thresholds, and what MixPay's
// asset lists say about each (name, network, icon, bounds, chain, precision, deposit format).
// A production deployment would take prices from a price feed; the interface stays.
import { createHash } from 'node:crypto';
import { compareDecimals, convertAmount } from '@payhook/protocol';

/** How the sandbox makes up a payment's on-chain deposit address on one chain. */
export type DepositFormat =
  /** A fresh address per payment, `prefix` + `length` characters of `alphabet`. */
  | { kind: 'address'; prefix: string; alphabet: string; length: number }
  /** One shared address; the payment is told apart by a numeric tag (memo), as EOS deposits are. */
  | { kind: 'tag'; address: string };

export interface Asset {
  id: string;
  symbol: string;
  name: string;
  /** Price of one unit in USD, as a decimal string. */
  priceUsd: string;
  /** Fiat assets can quote a price but cannot be paid or settled in. */
  fiat: boolean;
  /** Confirmations before a transfer counts as final. */
  requiredConfirmations: number;
  /** The network as MixPay names it (`"ERC20"`, `"Bitcoin"`); `""` for fiat. */
  network: string;
  /** The chain's native asset (its own id for a native coin); `null` for fiat. */
  chainAssetId: string | null;
  /** Display precision (MixPay's `decimalDigit`). */
  decimalDigit: number;
  /** Bounds of one payment in this asset, decimal strings. */
  minPaymentAmount: string;
  maxPaymentAmount: string;
  /** Bounds of a price quoted in this asset. */
  minQuoteAmount: string;
  maxQuoteAmount: string;
  /** How on-chain deposits to this asset's chain look; `null`: cannot be paid on-chain. */
  deposit: DepositFormat | null;
}

/** Decimal places of crypto amounts (Mixin uses 8). */
export const AMOUNT_PLACES = 8;

export const USDT_ID = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';
const ETH_ID = '43d61dcd-e413-450d-80b8-101d5e903357';
const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const XIN_ID = 'c94ac88f-4671-3976-b60a-09064f1811e8';
const EOS_ID = '6cfe566e-4aad-470b-8c9a-2fd35b49c68d';

const HEX = '0123456789abcdef';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const ethAddress: DepositFormat = { kind: 'address', prefix: '0x', alphabet: HEX, length: 40 };

const SANDBOX_ASSETS: readonly Asset[] = [
  fiat('usd', 'USD', 'US Dollar', '1', '0.1', '1000'),
  {
    ...crypto(USDT_ID, 'USDT', 'Tether USD', '1', 1, 'ERC20', ETH_ID, ['1', '50000'], ['0.1', '1000']),
    deposit: ethAddress,
  },
  crypto('31d2ea9c-95eb-3355-b65b-ba096853bc18', 'pUSD', 'Pando USD', '1', 1, 'Mixin', XIN_ID, ['1', '50000']),
  {
    ...crypto(BTC_ID, 'BTC', 'Bitcoin', '60000', 2, 'Bitcoin', BTC_ID, ['0.00002', '2'], ['0.00001', '0.1']),
    deposit: { kind: 'address', prefix: 'bc1q', alphabet: BECH32, length: 38 },
  },
  { ...crypto(ETH_ID, 'ETH', 'Ether', '3000', 6, 'Ethereum', ETH_ID, ['0.001', '50000']), deposit: ethAddress },
  { ...crypto(XIN_ID, 'XIN', 'Mixin', '150', 1, 'ERC20', ETH_ID, ['0.01', '1000']), deposit: ethAddress },
  {
    ...crypto(EOS_ID, 'EOS', 'EOS', '0.5', 1, 'EOS', EOS_ID, ['1', '100000']),
    deposit: { kind: 'tag', address: 'payhooksandb' },
  },
  // Last, so listings that name assets in order keep their familiar start.
  fiat('eur', 'EUR', 'Euro', '1.08', '0.1', '1000'),
];

function fiat(id: string, symbol: string, name: string, priceUsd: string, min: string, max: string): Asset {
  return {
    id,
    symbol,
    name,
    priceUsd,
    fiat: true,
    requiredConfirmations: 0,
    network: '',
    chainAssetId: null,
    decimalDigit: 2,
    minPaymentAmount: '0',
    maxPaymentAmount: '0',
    minQuoteAmount: min,
    maxQuoteAmount: max,
    deposit: null,
  };
}

function crypto(
  id: string,
  symbol: string,
  name: string,
  priceUsd: string,
  requiredConfirmations: number,
  network: string,
  chainAssetId: string,
  [minPaymentAmount, maxPaymentAmount]: [string, string],
  [minQuoteAmount, maxQuoteAmount]: [string, string] = [minPaymentAmount, maxPaymentAmount],
): Asset {
  return {
    id,
    symbol,
    name,
    priceUsd,
    fiat: false,
    requiredConfirmations,
    network,
    chainAssetId,
    decimalDigit: AMOUNT_PLACES,
    minPaymentAmount,
    maxPaymentAmount,
    minQuoteAmount,
    maxQuoteAmount,
    deposit: null,
  };
}

/** Where an on-chain payment is paid to: the address, and the tag on chains that need one. */
export interface Deposit {
  destination: string;
  tag: string;
}

export class AssetCatalog {
  private readonly byId: Map<string, Asset>;

  constructor(assets: readonly Asset[] = SANDBOX_ASSETS) {
    this.byId = new Map(assets.map((a) => [a.id.toLowerCase(), a]));
  }

  get(id: string): Asset | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** A crypto asset that can be paid or settled in. */
  getPayable(id: string): Asset | undefined {
    const asset = this.get(id);
    return asset && !asset.fiat ? asset : undefined;
  }

  symbolOf(id: string | null): string {
    return id === null ? '' : (this.get(id)?.symbol ?? '');
  }

  list(): Asset[] {
    return [...this.byId.values()];
  }

  /** The native asset of `asset`'s chain (itself for a native coin); undefined for fiat. */
  chainOf(asset: Asset): Asset | undefined {
    return asset.chainAssetId === null ? undefined : this.get(asset.chainAssetId);
  }

  /** What `amount` of `from` is worth in `to`, rounded up so the payee is never short. */
  quote(amount: string, from: Asset, to: Asset): string {
    return convertAmount(amount, from.priceUsd, to.priceUsd, placesOf(to), 'up');
  }

  /** Settlement conversion, rounded down so the platform never pays out more than it received. */
  settle(amount: string, from: Asset, to: Asset): string {
    return convertAmount(amount, from.priceUsd, to.priceUsd, placesOf(to), 'down');
  }

  /** Whether `amount` of `asset` lies within its payment bounds. */
  withinPaymentBounds(asset: Asset, amount: string): boolean {
    return compareDecimals(amount, asset.minPaymentAmount) >= 0 && compareDecimals(amount, asset.maxPaymentAmount) <= 0;
  }

  /**
   * The sandbox deposit of an on-chain payment: derived from its traceId, so the same payment
   * always gets the same address (or tag), and no two payments share one. Not a real address.
   */
  depositFor(asset: Asset, traceId: string): Deposit | undefined {
    const format = asset.deposit;
    if (format === null) return undefined;
    const digest = createHash('sha256').update(`payhook-sandbox|${asset.chainAssetId}|${traceId}`).digest();
    if (format.kind === 'tag') {
      return { destination: format.address, tag: String(digest.readBigUInt64BE(0) % 10n ** 12n) };
    }
    let body = '';
    for (let i = 0; body.length < format.length; i++) {
      body += format.alphabet[(digest[i % digest.length] as number) % format.alphabet.length];
    }
    return { destination: `${format.prefix}${body}`, tag: '' };
  }
}

/** Fiat amounts are kept to the fiat's display precision, crypto to Mixin's 8 places. */
function placesOf(asset: Asset): number {
  return asset.fiat ? asset.decimalDigit : AMOUNT_PLACES;
}
