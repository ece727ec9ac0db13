// The assets the sandbox knows, with fixed USD prices and confirmation thresholds.
// A production deployment would take prices from a price feed; the interface stays.
import { convertAmount } from '@payhook/protocol';

export interface Asset {
  id: string;
  symbol: string;
  /** Price of one unit in USD, as a decimal string. */
  priceUsd: string;
  /** Fiat assets can quote a price but cannot be paid or settled in. */
  fiat: boolean;
  /** Confirmations before a transfer counts as final. */
  requiredConfirmations: number;
}

/** Decimal places of crypto amounts (Mixin uses 8). */
export const AMOUNT_PLACES = 8;

export const USDT_ID = '4d8c508b-91c5-375b-92b0-ee702ed2dac5';

const SANDBOX_ASSETS: readonly Asset[] = [
  { id: 'usd', symbol: 'USD', priceUsd: '1', fiat: true, requiredConfirmations: 0 },
  { id: USDT_ID, symbol: 'USDT', priceUsd: '1', fiat: false, requiredConfirmations: 1 },
  { id: '31d2ea9c-95eb-3355-b65b-ba096853bc18', symbol: 'pUSD', priceUsd: '1', fiat: false, requiredConfirmations: 1 },
  {
    id: 'c6d0c728-2624-429b-8e0d-d9d19b6592fa',
    symbol: 'BTC',
    priceUsd: '60000',
    fiat: false,
    requiredConfirmations: 2,
  },
  {
    id: '43d61dcd-e413-450d-80b8-101d5e903357',
    symbol: 'ETH',
    priceUsd: '3000',
    fiat: false,
    requiredConfirmations: 6,
  },
  { id: 'c94ac88f-4671-3976-b60a-09064f1811e8', symbol: 'XIN', priceUsd: '150', fiat: false, requiredConfirmations: 1 },
];

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

  /** What `amount` of `from` is worth in `to`, rounded up so the payee is never short. */
  quote(amount: string, from: Asset, to: Asset): string {
    return convertAmount(amount, from.priceUsd, to.priceUsd, AMOUNT_PLACES, 'up');
  }

  /** Settlement conversion, rounded down so the platform never pays out more than it received. */
  settle(amount: string, from: Asset, to: Asset): string {
    return convertAmount(amount, from.priceUsd, to.priceUsd, AMOUNT_PLACES, 'down');
  }
}
