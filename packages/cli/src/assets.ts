// Assets by symbol: `--asset USDT` instead of its UUID, resolved with the sandbox's asset list.
import type { SandboxAsset } from '@payhook/protocol';
import type { GatewayClient } from './client.js';
import { UsageError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An asset id as given (a UUID or `usd`), or the id of the sandbox asset with that symbol. */
export async function resolveAsset(client: GatewayClient, value: string | undefined): Promise<string | undefined> {
  if (value === undefined || UUID.test(value) || value === 'usd') return value;
  const assets = await client.get<SandboxAsset[]>('/v1/sandbox/assets');
  const found = assets.find((a) => a.symbol.toLowerCase() === value.toLowerCase());
  if (!found) {
    throw new UsageError(
      `unknown asset "${value}": use an asset id or one of ${assets.map((a) => a.symbol).join(', ')}`,
    );
  }
  return found.id;
}

export const isUuid = (value: string): boolean => UUID.test(value);
