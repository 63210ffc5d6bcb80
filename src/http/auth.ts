/**
 * Who is calling: an {@link Authenticator} turns the `X-Auth-Token` header into an
 * {@link Identity} (user, project, roles). Two come with the adapter: a tokens table (the
 * embedded default, see {@link createTokenTable}) and Keystone v3 token validation
 * (`keystone.ts`). Any other source plugs in through the same one-method interface.
 *
 * @module
 */
import { hash } from 'node:crypto';
import { ValidationError } from '../core/index.js';

/** What a valid token says about its bearer. */
export interface Identity {
  /** The user's id. */
  readonly userId: string;
  /** The project the token is scoped to. */
  readonly projectId: string;
  /** The user's role names in that project (`admin`, `member`, …). */
  readonly roles: readonly string[];
  /** When the token expires (epoch ms); never when absent. */
  readonly expiresAt?: number;
}

/** Checks tokens. */
export interface Authenticator {
  /**
   * The identity behind `token`, or `undefined` when the token is unknown, expired or revoked.
   * Throws (`KTS_ERR_AUTH_BACKEND`) only when the token cannot be checked at all.
   */
  authenticate(token: string): Promise<Identity | undefined>;
}

/** One row of a tokens table. */
export interface TokenEntry extends Identity {
  /** The secret token value. Only its SHA-256 is kept. */
  readonly token: string;
}

/** A tokens table: an {@link Authenticator} over a fixed set of tokens, kept as SHA-256 digests. */
export interface TokenTable extends Authenticator {
  /** Adds (or replaces) a token. */
  add(entry: TokenEntry): void;
  /** Revokes a token; true when it was in the table. */
  revoke(token: string): boolean;
}

/** A token's SHA-256 in hex (the one-shot `crypto.hash`: no hash object per request). */
const digest = (token: string): string => hash('sha256', token, 'hex');

/**
 * Creates a tokens table — the embedded default authenticator. Tokens must be at least 16
 * characters (`KTS_ERR_INVALID_OPTION`); the table is keyed by their SHA-256 digests, so neither
 * a dump of it nor the timing of a lookup gives a token away. Expired entries answer `undefined`.
 */
export function createTokenTable(entries: readonly TokenEntry[] = []): TokenTable {
  const rows = new Map<string, Identity>();
  const table: TokenTable = {
    add(entry) {
      const { token, ...identity } = entry;
      if (typeof token !== 'string' || token.length < 16) {
        throw new ValidationError('A token must be a string of at least 16 characters', { code: 'KTS_ERR_INVALID_OPTION' });
      }
      if (!identity.projectId || !identity.userId || !Array.isArray(identity.roles)) {
        throw new ValidationError('A token entry needs userId, projectId and roles', { code: 'KTS_ERR_INVALID_OPTION' });
      }
      rows.set(digest(token), identity);
    },
    revoke(token) {
      return rows.delete(digest(token));
    },
    async authenticate(token) {
      const identity = rows.get(digest(token));
      if (!identity || (identity.expiresAt !== undefined && identity.expiresAt <= Date.now())) return undefined;
      return identity;
    },
  };
  for (const entry of entries) table.add(entry);
  return table;
}

/**
 * An {@link Authenticator} that asks each of `authenticators` in turn and answers the first
 * identity found — e.g. a tokens table for local tokens, then Keystone for everyone else. A
 * failure to check (`KTS_ERR_AUTH_BACKEND`) is thrown at once: a token is never refused
 * because a back-end that might know it did not answer.
 */
export function chainAuthenticators(...authenticators: readonly Authenticator[]): Authenticator {
  return {
    async authenticate(token) {
      for (const authenticator of authenticators) {
        const identity = await authenticator.authenticate(token);
        if (identity !== undefined) return identity;
      }
      return undefined;
    },
  };
}
