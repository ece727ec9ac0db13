// A lease owner is one dispatcher incarnation: a fresh id every time a dispatcher starts, so a
// restarted process is a new owner and its previous incarnation's leases are "someone else's"
// to take back once that incarnation is provably dead (docs/decisions.md, "Lease owners").
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * `<host>-<pid>-<nonce>`: host and pid only tell a person reading the deliveries table which
 * process holds a lease; liveness is judged by the owner's lock (see Store.holdLeaseOwner), never
 * by the pid, which another process may have by now.
 */
export function newLeaseOwnerId(host = hostname(), pid = process.pid): string {
  const safeHost = host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'host';
  return `${safeHost}-${pid}-${randomBytes(8).toString('hex')}`;
}
