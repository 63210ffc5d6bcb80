/**
 * Keystone v3 token validation: `GET /v3/auth/tokens?nocatalog` with the service's own token in
 * `X-Auth-Token` and the caller's in `X-Subject-Token` (what keystonemiddleware does).
 *
 * - **The service token** is a {@link KeystoneSession}'s (password login): renewed ahead of
 *   expiry, and once on a 401, with concurrent checks sharing one login.
 * - **The requests** go through the clients' {@link HttpClient}: timeouts, and retries with
 *   backoff on 5xx and connection failures.
 * - **The answers**: a token Keystone does not know (404), or one with no project (unscoped,
 *   domain- or system-scoped: it cannot use a project API), is refused (`undefined`). A Keystone
 *   that cannot check it — down, failing, or refusing the service's own credentials — is
 *   `KTS_ERR_AUTH_BACKEND` (the API answers 503), never a refused token.
 * - **The cache**: a valid answer is reused for `cacheTtlMs` (never past the token's expiry), so
 *   a token revoked in Keystone keeps working here for up to that long — as with
 *   keystonemiddleware's cache. `cacheTtlMs: 0` asks Keystone every time.
 *
 * @module
 */
import { HttpClient, KeystoneSession } from '../clients/index.js';
import { UnavailableError, ValidationError, isFrameworkError, messageOf } from '../core/index.js';
import type { Authenticator, Identity } from './auth.js';

/** Options of {@link createKeystoneAuthenticator}. */
export interface KeystoneAuthenticatorOptions {
  /** The identity endpoint, e.g. `http://keystone:5000` (`/v3` is appended when missing). */
  readonly authUrl: string;
  /** The service user that validates tokens (needs Keystone's `identity:validate_token`). */
  readonly username: string;
  /** Its password. */
  readonly password: string;
  /** Its domain. @default 'Default' */
  readonly userDomainName?: string;
  /** The project to scope the service token to (usually `service`). */
  readonly projectName: string;
  /** That project's domain. @default the user's domain */
  readonly projectDomainName?: string;
  /** How long a validated token is trusted without asking again, in ms. @default 60000 */
  readonly cacheTtlMs?: number;
  /** Per-request timeout, in ms. @default 10000 */
  readonly timeoutMs?: number;
}

interface TokenBody {
  readonly token?: {
    readonly expires_at?: string;
    readonly user?: { readonly id?: string };
    readonly project?: { readonly id?: string };
    readonly roles?: readonly { readonly name?: string }[];
  };
}

/** The most validated tokens kept at once (the oldest go first). */
const CACHE_LIMIT = 10_000;

/** Creates an {@link Authenticator} that validates tokens against Keystone v3. */
export function createKeystoneAuthenticator(options: KeystoneAuthenticatorOptions): Authenticator {
  if (!/^https?:\/\//.test(options.authUrl ?? '')) {
    throw new ValidationError(`Invalid Keystone authUrl ${JSON.stringify(options.authUrl)}`, { code: 'KTS_ERR_INVALID_OPTION' });
  }
  const base = options.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userDomainName = options.userDomainName ?? 'Default';
  const session = new KeystoneSession({
    authUrl: base,
    auth: { method: 'password', username: options.username, password: options.password, userDomainName },
    scope: { projectName: options.projectName, projectDomainName: options.projectDomainName ?? userDomainName },
    refreshMarginMs: 60_000,
    timeoutMs,
  });
  const keystone = new HttpClient({ service: 'Keystone', endpoint: session.endpoint({ type: 'identity', url: base }), timeoutMs });
  const cache = new Map<string, { identity: Identity; until: number }>();

  const validate = async (subject: string): Promise<Identity | undefined> => {
    let body: TokenBody;
    try {
      body = await keystone.json<TokenBody>({ method: 'GET', path: '/auth/tokens', query: { nocatalog: '' }, headers: { 'X-Subject-Token': subject } });
    } catch (error) {
      if (isFrameworkError(error, 'KTS_ERR_NOT_FOUND')) return undefined;
      throw new UnavailableError(`Keystone at ${base} could not check a token: ${messageOf(error)}`, { code: 'KTS_ERR_AUTH_BACKEND', cause: error });
    }
    const token = body.token;
    const projectId = token?.project?.id;
    const userId = token?.user?.id;
    if (!projectId || !userId) return undefined;
    const expires = Date.parse(token.expires_at ?? '');
    return {
      userId,
      projectId,
      roles: (token.roles ?? []).flatMap((role) => (role.name ? [role.name] : [])),
      ...(Number.isFinite(expires) ? { expiresAt: expires } : {}),
    };
  };

  return {
    async authenticate(token) {
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.until > now) return hit.identity;
      cache.delete(token);
      const identity = await validate(token);
      if (identity && (identity.expiresAt ?? Infinity) > now) {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
        cache.set(token, { identity, until: Math.min(now + cacheTtlMs, identity.expiresAt ?? Infinity) });
        return identity;
      }
      return undefined;
    },
  };
}
