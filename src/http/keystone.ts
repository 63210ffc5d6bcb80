/**
 * Keystone v3 token validation: `GET /v3/auth/tokens` with the service's own token in
 * `X-Auth-Token` and the caller's in `X-Subject-Token` (what keystonemiddleware does). The
 * service token comes from password authentication and is renewed ahead of expiry and once on
 * a 401; valid answers are cached until the token expires or `cacheTtlMs` passes.
 *
 * @module
 */
import { UnavailableError, ValidationError } from '../core/index.js';
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

/** Creates an {@link Authenticator} that validates tokens against Keystone v3. */
export function createKeystoneAuthenticator(options: KeystoneAuthenticatorOptions): Authenticator {
  if (!/^https?:\/\//.test(options.authUrl ?? '')) {
    throw new ValidationError(`Invalid Keystone authUrl ${JSON.stringify(options.authUrl)}`, { code: 'KTS_ERR_INVALID_OPTION' });
  }
  const base = options.authUrl.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userDomain = options.userDomainName ?? 'Default';
  const cache = new Map<string, { identity: Identity; until: number }>();
  let service: Promise<{ token: string; until: number }> | undefined;

  const call = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (cause) {
      throw new UnavailableError(`Keystone at ${base} could not be reached`, { code: 'KTS_ERR_AUTH_BACKEND', cause });
    }
  };

  const serviceToken = async (renew: boolean): Promise<string> => {
    if (renew || !service) service = login();
    const pending = service;
    try {
      const held = await pending;
      if (held.until > Date.now()) return held.token;
      if (service === pending) service = login();
      return (await service).token;
    } catch (error) {
      if (service === pending) service = undefined;
      throw error;
    }
  };

  const login = async (): Promise<{ token: string; until: number }> => {
    const response = await call('/auth/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: options.username, password: options.password, domain: { name: userDomain } } } },
          scope: { project: { name: options.projectName, domain: { name: options.projectDomainName ?? userDomain } } },
        },
      }),
    });
    const token = response.headers.get('x-subject-token');
    if (response.status !== 201 || !token) {
      throw new UnavailableError(`Keystone refused the service credentials (HTTP ${response.status})`, { code: 'KTS_ERR_AUTH_BACKEND' });
    }
    const body = (await response.json().catch(() => ({}))) as TokenBody;
    const expires = Date.parse(body.token?.expires_at ?? '');
    // Renew a minute ahead of expiry.
    return { token, until: Number.isFinite(expires) ? expires - 60_000 : Date.now() + 300_000 };
  };

  const validate = async (subject: string, renewed = false): Promise<Identity | undefined> => {
    const response = await call('/auth/tokens', { headers: { 'X-Auth-Token': await serviceToken(renewed), 'X-Subject-Token': subject } });
    if (response.status === 401 && !renewed) return validate(subject, true);
    if (response.status === 404 || response.status === 401) return undefined;
    if (response.status !== 200) throw new UnavailableError(`Keystone answered HTTP ${response.status} to a token validation`, { code: 'KTS_ERR_AUTH_BACKEND' });
    const token = ((await response.json().catch(() => ({}))) as TokenBody).token;
    const projectId = token?.project?.id;
    const userId = token?.user?.id;
    // An unscoped or domain-scoped token cannot use a project API.
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
        if (cache.size >= 10_000) cache.delete(cache.keys().next().value!);
        cache.set(token, { identity, until: Math.min(now + cacheTtlMs, identity.expiresAt ?? Infinity) });
        return identity;
      }
      return undefined;
    },
  };
}
