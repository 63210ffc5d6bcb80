/**
 * Lease rules shared by every store: argument checks and liveness. A lease is live while
 * `expiresAt > now`. Acquiring a lease we already hold extends it (owner-reentrant, so a restarted
 * node with the same owner id gets its lease back at once); another owner's live lease refuses
 * with `KTS_ERR_STORE_LEASE_HELD`; renewing a lease that expired or was taken over fails with
 * `KTS_ERR_STORE_LEASE_LOST` (even when nobody took it since: the holder must know it lapsed);
 * releasing a lease we do not hold does nothing. Expiry uses the store's clock, so nodes sharing
 * a database need roughly synchronised clocks.
 *
 * @module
 */
import { invalidOption } from './errors.js';
import type { StoreLease } from './store.js';

/** Checks the arguments of a lease call; `KTS_ERR_VALIDATION` names the bad one. */
export function checkLeaseArgs(name: unknown, owner: unknown, ttlMs?: unknown): void {
  if (typeof name !== 'string' || name === '') throw invalidOption('name', 'a non-empty string', name, 'KTS_ERR_VALIDATION');
  if (typeof owner !== 'string' || owner === '') throw invalidOption('owner', 'a non-empty string', owner, 'KTS_ERR_VALIDATION');
  if (ttlMs !== undefined && !(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw invalidOption('ttlMs', 'a positive number of milliseconds', ttlMs, 'KTS_ERR_VALIDATION');
  }
}

/** Whether `lease` is still live at `now` (epoch ms). */
export function isLive(lease: StoreLease | undefined, now: number): lease is StoreLease {
  return lease !== undefined && lease.expiresAt > now;
}

/** The expiry of a lease taken or renewed at `now` for `ttlMs` (whole milliseconds). */
export function expiryOf(now: number, ttlMs: number): number {
  return Math.ceil(now + ttlMs);
}
