/**
 * Keystone v3 token validation: `GET /v3/auth/tokens?nocatalog` with the service's own token in
 * `X-Auth-Token` and the caller's in `X-Subject-Token` (what keystonemiddleware does).
 *
 * - **The service token** is a {@link KeystoneSession}'s (password login): renewed ahead of
 *   expiry, and once on a 401, with concurrent checks sharing one login.
 * - **The requests** go through the clients' {@link HttpClient} (5xx answers and dropped
 *   connections retried with backoff), all within `timeoutMs` per check, login included.
 * - **The answers**: a token Keystone does not know (404 to the validation), or one with no
 *   project (unscoped, domain- or system-scoped: it cannot use a project API), is refused
 *   (`undefined`). A Keystone that cannot check it — down, slow, failing, or refusing the
 *   service's own login — is `KTS_ERR_AUTH_BACKEND` (the API answers 503), never a refused token.
 * - **The cache**: a valid answer is reused for `cacheTtlMs` (never past the token's expiry), so
 *   a token revoked in Keystone keeps working here for up to that long — as with
 *   keystonemiddleware's cache. `cacheTtlMs: 0` asks Keystone every time. Concurrent checks of
 *   one token share one validation.
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
  /** The longest one check waits for Keystone, retries and the service's login included, in ms. @default 10000 */
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

/** Checks the options (`KTS_ERR_INVALID_OPTION`). */
function checkOptions(options: KeystoneAuthenticatorOptions): void {
  const invalid = (what: string): ValidationError => new ValidationError(`Invalid Keystone authenticator option: ${what}`, { code: 'KTS_ERR_INVALID_OPTION' });
  let url: URL | undefined;
  try {
    url = new URL(options.authUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol)) throw invalid(`authUrl must be an http(s) URL, got ${JSON.stringify(options.authUrl)}`);
  for (const name of ['username', 'password', 'projectName'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '') throw invalid(`${name} must be a non-empty string`);
  }
  if (options.cacheTtlMs !== undefined && !(Number.isFinite(options.cacheTtlMs) && options.cacheTtlMs >= 0)) throw invalid(`cacheTtlMs must be a number ≥ 0, got ${options.cacheTtlMs}`);
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) throw invalid(`timeoutMs must be a number > 0, got ${options.timeoutMs}`);
}

/** Creates an {@link Authenticator} that validates tokens against Keystone v3. */
export function createKeystoneAuthenticator(options: KeystoneAuthenticatorOptions): Authenticator {
  checkOptions(options);
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
  const checking = new Map<string, Promise<Identity | undefined>>();

  const unavailable = (what: string, error: unknown, deadline: AbortSignal): UnavailableError =>
    new UnavailableError(deadline.aborted ? `Keystone at ${base} did not ${what} within ${timeoutMs} ms` : `Keystone at ${base} could not ${what}: ${messageOf(error)}`, {
      code: 'KTS_ERR_AUTH_BACKEND',
      cause: error,
    });

  const validate = async (subject: string): Promise<Identity | undefined> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      // The service's own login first: any failure of it (a 404 included) is Keystone's, not the caller's.
      await session.token(deadline);
    } catch (error) {
      throw unavailable('log the service in', error, deadline);
    }
    let body: TokenBody;
    try {
      body = await keystone.json<TokenBody>({ method: 'GET', path: '/auth/tokens', query: { nocatalog: '' }, headers: { 'X-Subject-Token': subject }, signal: deadline });
    } catch (error) {
      if (isFrameworkError(error, 'KTS_ERR_NOT_FOUND')) return undefined;
      throw unavailable('check a token', error, deadline);
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

  /** One validation per token at a time, however many requests carry it. */
  const validateOnce = (subject: string): Promise<Identity | undefined> => {
    let pending = checking.get(subject);
    if (pending === undefined) {
      pending = validate(subject).finally(() => checking.delete(subject));
      checking.set(subject, pending);
    }
    return pending;
  };

  return {
    async authenticate(token) {
      const now = Date.now();
      const hit = cache.get(token);
      if (hit && hit.until > now) return hit.identity;
      cache.delete(token);
      const identity = await validateOnce(token);
      if (identity && (identity.expiresAt ?? Infinity) > now) {
        if (cacheTtlMs > 0) {
          if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
          cache.set(token, { identity, until: Math.min(now + cacheTtlMs, identity.expiresAt ?? Infinity) });
        }
        return identity;
      }
      return undefined;
    },
  };
}
