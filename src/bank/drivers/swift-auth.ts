/**
 * Authentication for the Swift driver: Swift v1 auth (tempauth and compatible: `X-Auth-User` /
 * `X-Auth-Key` → `X-Storage-Url` + `X-Auth-Token`) and Keystone v3 password auth
 * (`POST /v3/auth/tokens` → `X-Subject-Token`, storage URL from the `object-store` entry of the
 * catalog for the chosen region and interface), plus a session cache that re-authenticates
 * ahead of expiry and on demand after a 401.
 *
 * @module
 */
import { BankError, CancelledError, isCancellation, isFrameworkError } from '../../core/errors.js';
import { ioError } from '../internal/errors.js';
import { renewalDelay } from '../../core/renewal.js';

/** Swift v1 auth, as served by tempauth (and swauth, and many gateways). */
export interface SwiftTempAuthOptions {
  /** Selects v1 auth. */
  readonly type: 'tempauth';
  /** The auth endpoint, e.g. `http://127.0.0.1:8080/auth/v1.0`. */
  readonly authUrl: string;
  /** `account:user`, e.g. `test:tester`. */
  readonly user: string;
  /** The user's key (password). */
  readonly key: string;
}

/** Keystone v3 password authentication with a project scope. */
export interface SwiftKeystoneAuthOptions {
  /** Selects Keystone v3. */
  readonly type: 'keystone';
  /** The identity endpoint, e.g. `http://keystone:5000/v3` (`/v3` is appended when missing). */
  readonly authUrl: string;
  /** The user name. */
  readonly username: string;
  /** The user's password. */
  readonly password: string;
  /** The user's domain by name; `Default` when neither it nor `userDomainId` is given. */
  readonly userDomainName?: string;
  /** The user's domain by id. */
  readonly userDomainId?: string;
  /** The project to scope the token to, by name (with a project domain). */
  readonly projectName?: string;
  /** The project to scope the token to, by id. */
  readonly projectId?: string;
  /** The project's domain by name; defaults to the user's domain. */
  readonly projectDomainName?: string;
  /** The project's domain by id. */
  readonly projectDomainId?: string;
  /** The catalog region (matched against `region_id` and `region`); the first endpoint when absent. */
  readonly region?: string;
  /** The catalog interface. @default 'public' */
  readonly interface?: 'public' | 'internal' | 'admin';
}

/** How the Swift driver authenticates. */
export type SwiftAuthOptions = SwiftTempAuthOptions | SwiftKeystoneAuthOptions;

/** A storage URL and the token valid for it. */
export interface SwiftSession {
  /** The account URL, e.g. `http://127.0.0.1:8080/v1/AUTH_test`. */
  readonly storageUrl: string;
  /** The value of `X-Auth-Token`. */
  readonly token: string;
  /** When the token expires (epoch ms), when the server said. */
  readonly expiresAt?: number;
}

/** The fetch function the driver uses (the global one unless injected). */
export type FetchFunction = typeof fetch;

function authError(message: string, details: Record<string, unknown> = {}, cause?: unknown): BankError {
  return new BankError(message, { code: 'KTS_ERR_BANK_AUTH', details, cause });
}

async function call(fetchFn: FetchFunction, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error) {
    if (isCancellation(error)) throw new CancelledError('Swift authentication was cancelled', { cause: error });
    throw ioError('authentication', undefined, error);
  }
}

async function refused(response: Response, what: string): Promise<never> {
  const text = (await response.text().catch(() => '')).slice(0, 200);
  const details = { status: response.status, body: text };
  if (response.status === 401 || response.status === 403) throw authError(`${what} refused the credentials (HTTP ${response.status})`, details);
  throw ioError('authentication', undefined, new Error(`${what} answered HTTP ${response.status}: ${text}`));
}

async function tempAuth(options: SwiftTempAuthOptions, fetchFn: FetchFunction, now: number): Promise<SwiftSession> {
  const response = await call(fetchFn, options.authUrl, { headers: { 'X-Auth-User': options.user, 'X-Auth-Key': options.key } });
  if (!response.ok) return refused(response, 'Swift v1 auth');
  await response.arrayBuffer().catch(() => undefined);
  const token = response.headers.get('x-auth-token') ?? response.headers.get('x-storage-token');
  const storageUrl = response.headers.get('x-storage-url');
  if (token === null || storageUrl === null) throw authError('Swift v1 auth answered without X-Auth-Token or X-Storage-Url');
  const expires = Number(response.headers.get('x-auth-token-expires') ?? Number.NaN);
  return { storageUrl, token, ...(Number.isFinite(expires) ? { expiresAt: now + expires * 1000 } : {}) };
}

function domainOf(id: string | undefined, name: string | undefined): { id: string } | { name: string } | undefined {
  if (id !== undefined) return { id };
  return name === undefined ? undefined : { name };
}

/** The JSON body of a Keystone v3 password-auth request for `options`. */
export function keystoneAuthBody(options: SwiftKeystoneAuthOptions): unknown {
  const userDomain = domainOf(options.userDomainId, options.userDomainName) ?? { name: 'Default' };
  const projectDomain = domainOf(options.projectDomainId, options.projectDomainName) ?? userDomain;
  const project =
    options.projectId !== undefined ? { id: options.projectId } : options.projectName !== undefined ? { name: options.projectName, domain: projectDomain } : undefined;
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: options.username, domain: userDomain, password: options.password } } },
      ...(project === undefined ? {} : { scope: { project } }),
    },
  };
}

interface CatalogEndpoint {
  readonly interface?: unknown;
  readonly region?: unknown;
  readonly region_id?: unknown;
  readonly url?: unknown;
}

/**
 * The object-store URL in a Keystone v3 token's catalog for `region` (any when absent) and
 * `iface`; throws `KTS_ERR_BANK_AUTH` when the catalog has none.
 */
export function storageUrlFromCatalog(catalog: unknown, region: string | undefined, iface: 'public' | 'internal' | 'admin' = 'public'): string {
  const services = Array.isArray(catalog) ? (catalog as { type?: unknown; endpoints?: unknown }[]) : [];
  for (const service of services) {
    if (service?.type !== 'object-store' || !Array.isArray(service.endpoints)) continue;
    for (const endpoint of service.endpoints as CatalogEndpoint[]) {
      if (endpoint?.interface !== iface || typeof endpoint.url !== 'string') continue;
      if (region !== undefined && endpoint.region_id !== region && endpoint.region !== region) continue;
      return endpoint.url.replace(/\/+$/u, '');
    }
  }
  throw authError(`The Keystone catalog has no object-store endpoint for interface "${iface}"${region === undefined ? '' : ` in region "${region}"`}`, {
    region,
    interface: iface,
  });
}

async function keystoneAuth(options: SwiftKeystoneAuthOptions, fetchFn: FetchFunction): Promise<SwiftSession> {
  const base = options.authUrl.replace(/\/+$/u, '');
  const url = `${/\/v3$/u.test(base) ? base : `${base}/v3`}/auth/tokens`;
  const response = await call(fetchFn, url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(keystoneAuthBody(options)),
  });
  if (!response.ok) return refused(response, 'Keystone');
  const token = response.headers.get('x-subject-token');
  let body: { token?: { catalog?: unknown; expires_at?: unknown } };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw authError('Keystone answered a token without a JSON body', {}, error);
  }
  if (token === null) throw authError('Keystone answered without X-Subject-Token');
  const storageUrl = storageUrlFromCatalog(body.token?.catalog, options.region, options.interface ?? 'public');
  const expiresAt = typeof body.token?.expires_at === 'string' ? Date.parse(body.token.expires_at) : Number.NaN;
  return { storageUrl, token, ...(Number.isFinite(expiresAt) ? { expiresAt } : {}) };
}

/** Authenticates once with `auth`; throws `KTS_ERR_BANK_AUTH` when refused, `KTS_ERR_BANK_IO` when unreachable. */
export async function authenticate(auth: SwiftAuthOptions, fetchFn: FetchFunction = fetch, now: number = Date.now()): Promise<SwiftSession> {
  return auth.type === 'keystone' ? keystoneAuth(auth, fetchFn) : tempAuth(auth, fetchFn, now);
}

/** Options of {@link SwiftSessions}. */
export interface SwiftSessionsOptions {
  /** How to authenticate. */
  readonly auth: SwiftAuthOptions;
  /** The fetch function. */
  readonly fetch: FetchFunction;
  /** Replaces the storage URL auth answers (e.g. behind a proxy). */
  readonly storageUrl?: string;
  /** A token to start with (requires `storageUrl`); replaced on the first 401. */
  readonly initialToken?: string;
  /** Re-authenticate this long before the token expires (at most half its lifetime). */
  readonly refreshMarginMs: number;
  /** The clock tokens are renewed by (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** Holds the current session; concurrent callers share one authentication. */
export class SwiftSessions {
  readonly #options: SwiftSessionsOptions;
  #current: Promise<SwiftSession> | undefined;
  /** When each session logged in here is to be renewed (epoch ms). */
  readonly #renewAt = new WeakMap<SwiftSession, number>();
  readonly #now: () => number;

  /** Creates the cache; nothing happens until the first {@link SwiftSessions.get}. */
  constructor(options: SwiftSessionsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const { initialToken, storageUrl } = options;
    if (initialToken !== undefined && storageUrl !== undefined) this.#current = Promise.resolve({ storageUrl, token: initialToken });
  }

  #login(): Promise<SwiftSession> {
    const attempt = authenticate(this.#options.auth, this.#options.fetch).then((authenticated) => {
      const session = this.#options.storageUrl === undefined ? authenticated : { ...authenticated, storageUrl: this.#options.storageUrl };
      if (session.expiresAt !== undefined) this.#renewAt.set(session, this.#now() + renewalDelay(session.expiresAt, this.#options.refreshMarginMs));
      return session;
    });
    this.#current = attempt;
    // a failed login is not cached: the next call tries again
    attempt.catch(() => {
      if (this.#current === attempt) this.#current = undefined;
    });
    return attempt;
  }

  /** A session whose token is not about to expire. */
  async get(): Promise<SwiftSession> {
    const session = await (this.#current ?? this.#login());
    if ((this.#renewAt.get(session) ?? Number.POSITIVE_INFINITY) <= this.#now()) return this.refresh(session.token);
    return session;
  }

  /** Re-authenticates because `staleToken` was refused or is due (once, however many callers saw it). */
  async refresh(staleToken: string): Promise<SwiftSession> {
    const seen = this.#current;
    const current = await seen?.catch(() => undefined);
    if (current !== undefined && current.token !== staleToken) return current;
    try {
      // Another caller started the new login while this one waited: share it.
      return await (this.#current !== seen && this.#current !== undefined ? this.#current : this.#login());
    } catch (error) {
      throw isFrameworkError(error) ? error : ioError('authentication', undefined, error);
    }
  }
}
