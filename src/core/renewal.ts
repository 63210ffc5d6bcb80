/**
 * When to renew an expiring credential (a Keystone or Swift token): a margin before it
 * expires, but never more than half its lifetime — so a margin longer than the lifetime the
 * server grants (a 60 s margin, 30 s tokens) still uses each token for a while instead of
 * logging in again on every request.
 *
 * @module
 */

/**
 * The time (epoch ms) from which a credential obtained at `obtainedAt` and expiring at
 * `expiresAt` should be renewed: `expiresAt - marginMs`, but not before the middle of its
 * lifetime.
 */
export function renewalTime(obtainedAt: number, expiresAt: number, marginMs: number): number {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  return expiresAt - Math.min(marginMs, lifetime / 2);
}
