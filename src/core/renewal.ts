/**
 * When to renew an expiring credential (a Keystone or Swift token): a margin before it
 * expires, but never more than half its lifetime — so a margin longer than the lifetime the
 * server grants (a 60 s margin, 30 s tokens) still uses each token for a while instead of
 * logging in again on every request.
 *
 * @module
 */

/**
 * How long (ms) a credential obtained just now and expiring at `expiresAt` (epoch ms, real
 * time: the server's) is to be used before it is renewed: until `marginMs` before it expires,
 * and at least half its remaining lifetime. Callers add it to their own clock, so a test clock
 * sees the renewal as the time it advances.
 */
export function renewalDelay(expiresAt: number, marginMs: number): number {
  const lifetime = Math.max(0, expiresAt - Date.now());
  return lifetime - Math.min(marginMs, lifetime / 2);
}
