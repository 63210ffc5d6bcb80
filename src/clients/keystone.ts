/**
 * A Keystone v3 session: authenticates with a password, an existing token or an application
 * credential, keeps the token and its service catalog, renews the token ahead of its expiry and
 * after a service refused it (401), and hands the other clients a {@link ServiceEndpoint} per
 * service type, region and interface.
 *
 * ```ts
 * const session = new KeystoneSession({
 *   authUrl: 'https://keystone.example.com:5000/v3',
 *   auth: { method: 'password', username: 'karbor', password: 's3cret', userDomainName: 'Default' },
 *   scope: { projectName: 'backup', projectDomainName: 'Default' },
 *   region: 'RegionOne',
 * });
 * const glance = new GlanceClient({ endpoint: session.endpoint({ type: 'image' }) });
 * const cinder = new CinderClient({ endpoint: session.endpoint({ type: 'block-storage' }) });
 * ```
 *
 * Errors: refused credentials → `AuthenticationError` (`KTS_ERR_UNAUTHORIZED`); Keystone down or
 * failing → `UnavailableError` (`KTS_ERR_AUTH_BACKEND`, retryable, after the retries); no
 * catalog entry for a service → `NotFoundError` naming the type, region and interface.
 *
 * @module
 */
import { NotFoundError, UnavailableError, isFrameworkError, type FrameworkError } from '../core/errors.js';
import { renewalDelay } from '../core/renewal.js';
import { staticEndpoint, trimUrl, type ResolvedEndpoint, type ServiceEndpoint } from './endpoint.js';
import { HttpClient, type ClientOptions } from './http.js';

/** How to authenticate. */
export type KeystoneAuth =
  | {
      /** Password authentication. */
      readonly method: 'password';
      /** The user's name (with its domain). */
      readonly username?: string;
      /** The user's id (instead of name and domain). */
      readonly userId?: string;
      /** The password. */
      readonly password: string;
      /** The user's domain by name. @default 'Default' (when no `userDomainId`) */
      readonly userDomainName?: string;
      /** The user's domain by id. */
      readonly userDomainId?: string;
    }
  | {
      /** Exchanges an existing token for a (re-)scoped one. */
      readonly method: 'token';
      /** The existing token. */
      readonly token: string;
    }
  | {
      /** Application-credential authentication (the credential carries its own scope). */
      readonly method: 'application_credential';
      /** The credential's id. */
      readonly id: string;
      /** The credential's secret. */
      readonly secret: string;
    };

/** What the token is scoped to. */
export type KeystoneScope =
  | { /** The project's id. */ readonly projectId: string }
  | {
      /** The project's name. */
      readonly projectName: string;
      /** The project's domain by name. @default the user's domain, or 'Default' */
      readonly projectDomainName?: string;
      /** The project's domain by id. */
      readonly projectDomainId?: string;
    }
  | { /** A domain by id. */ readonly domainId: string }
  | { /** A domain by name. */ readonly domainName: string }
  | { /** The whole deployment (system scope). */ readonly system: 'all' };

/** A catalog interface. */
export type EndpointInterface = 'public' | 'internal' | 'admin';

/** One endpoint of a catalog entry (as Keystone v3 answers it). */
export interface CatalogEndpoint {
  /** The URL. */
  readonly url: string;
  /** `public`, `internal` or `admin`. */
  readonly interface: string;
  /** The region's id. */
  readonly region_id?: string | null;
  /** The region's name (older deployments). */
  readonly region?: string | null;
  /** The endpoint's id. */
  readonly id?: string;
}

/** One service of the catalog. */
export interface CatalogEntry {
  /** The service type: `image`, `volumev3`, `block-storage`, … */
  readonly type: string;
  /** The service's name. */
  readonly name?: string;
  /** The service's id. */
  readonly id?: string;
  /** Its endpoints. */
  readonly endpoints: readonly CatalogEndpoint[];
}

/** A token and what Keystone said about it. */
export interface KeystoneToken {
  /** The token (`X-Subject-Token`), sent as `X-Auth-Token`. */
  readonly id: string;
  /** When it expires (epoch ms), when Keystone said. */
  readonly expiresAt?: number;
  /** The user's id. */
  readonly userId?: string;
  /** The project's id, for a project-scoped token. */
  readonly projectId?: string;
  /** The project's name, for a project-scoped token. */
  readonly projectName?: string;
  /** The role names. */
  readonly roles: readonly string[];
  /** The service catalog (empty for an unscoped token). */
  readonly catalog: readonly CatalogEntry[];
}

/** Which endpoint of the catalog a client uses. */
export interface EndpointSelector {
  /**
   * The service type, or several to try in order. `block-storage` also matches `volumev3` and
   * `volume`; `image` and `identity` match themselves.
   */
  readonly type: string | readonly string[];
  /** The region (matched against `region_id` and `region`). @default the session's region; else any */
  readonly region?: string;
  /** The interface. @default the session's interface, else 'public' */
  readonly interface?: EndpointInterface;
  /** Use this URL instead of the catalog's (a proxy, a private network); the token is still sent. */
  readonly url?: string;
}

/** Options of {@link KeystoneSession}. */
export interface KeystoneSessionOptions extends ClientOptions {
  /** The identity endpoint, e.g. `https://keystone:5000/v3` (`/v3` is appended when missing). */
  readonly authUrl: string;
  /** How to authenticate. */
  readonly auth: KeystoneAuth;
  /** What to scope the token to (leave out for application credentials, which carry their own). */
  readonly scope?: KeystoneScope;
  /** The default region of {@link KeystoneSession.endpoint}. */
  readonly region?: string;
  /** The default interface of {@link KeystoneSession.endpoint}. @default 'public' */
  readonly interface?: EndpointInterface;
  /** Renew the token this long before it expires (at most half its lifetime). @default 120_000 */
  readonly refreshMarginMs?: number;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** Service types that name the same service. */
const TYPE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'block-storage': ['block-storage', 'volumev3', 'volume'],
  volumev3: ['volumev3', 'block-storage', 'volume'],
  'object-store': ['object-store'],
};

function typesOf(type: string | readonly string[]): string[] {
  const asked = typeof type === 'string' ? [type] : [...type];
  return [...new Set(asked.flatMap((one) => TYPE_ALIASES[one] ?? [one]))];
}

/**
 * The URL of the first catalog endpoint of one of `types` (in order) with `iface`, in `region`
 * when given (matched against `region_id` and `region`); `undefined` when there is none.
 */
export function findEndpoint(
  catalog: readonly CatalogEntry[],
  types: string | readonly string[],
  iface: EndpointInterface = 'public',
  region?: string,
): string | undefined {
  for (const type of typesOf(types)) {
    for (const entry of catalog) {
      if (entry.type !== type) continue;
      for (const endpoint of entry.endpoints) {
        if (endpoint.interface !== iface || typeof endpoint.url !== 'string') continue;
        if (region !== undefined && endpoint.region_id !== region && endpoint.region !== region) continue;
        return trimUrl(endpoint.url);
      }
    }
  }
  return undefined;
}

/** The `auth` object of a `POST /v3/auth/tokens` request. */
export function keystoneAuthBody(auth: KeystoneAuth, scope?: KeystoneScope): unknown {
  let identity: Record<string, unknown>;
  let userDomain: { id: string } | { name: string } | undefined;
  switch (auth.method) {
    case 'password': {
      userDomain = auth.userDomainId !== undefined ? { id: auth.userDomainId } : { name: auth.userDomainName ?? 'Default' };
      const user = auth.userId !== undefined ? { id: auth.userId, password: auth.password } : { name: auth.username, domain: userDomain, password: auth.password };
      identity = { methods: ['password'], password: { user } };
      break;
    }
    case 'token':
      identity = { methods: ['token'], token: { id: auth.token } };
      break;
    case 'application_credential':
      identity = { methods: ['application_credential'], application_credential: { id: auth.id, secret: auth.secret } };
      break;
  }
  let scopeBody: unknown;
  if (scope !== undefined) {
    if ('projectId' in scope) scopeBody = { project: { id: scope.projectId } };
    else if ('projectName' in scope) {
      const domain =
        scope.projectDomainId !== undefined
          ? { id: scope.projectDomainId }
          : scope.projectDomainName !== undefined
            ? { name: scope.projectDomainName }
            : (userDomain ?? { name: 'Default' });
      scopeBody = { project: { name: scope.projectName, domain } };
    } else if ('domainId' in scope) scopeBody = { domain: { id: scope.domainId } };
    else if ('domainName' in scope) scopeBody = { domain: { name: scope.domainName } };
    else scopeBody = { system: { all: true } };
  }
  return { auth: { identity, ...(scopeBody === undefined ? {} : { scope: scopeBody }) } };
}

interface TokenBody {
  readonly token?: {
    readonly expires_at?: unknown;
    readonly user?: { readonly id?: unknown };
    readonly project?: { readonly id?: unknown; readonly name?: unknown };
    readonly roles?: readonly { readonly name?: unknown }[];
    readonly catalog?: unknown;
  };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parseCatalog(value: unknown): CatalogEntry[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((entry): entry is Record<string, unknown> => entry !== null && typeof entry === 'object' && typeof (entry as { type?: unknown }).type === 'string')
    .map((entry) => ({
      type: entry.type as string,
      ...(str(entry.name) === undefined ? {} : { name: str(entry.name)! }),
      ...(str(entry.id) === undefined ? {} : { id: str(entry.id)! }),
      endpoints: (Array.isArray(entry.endpoints) ? (entry.endpoints as unknown[]) : []).filter(
        (endpoint): endpoint is CatalogEndpoint =>
          endpoint !== null && typeof endpoint === 'object' && typeof (endpoint as CatalogEndpoint).url === 'string' && typeof (endpoint as CatalogEndpoint).interface === 'string',
      ),
    }));
}

/** A Keystone v3 session (see the module comment). */
export class KeystoneSession {
  readonly #options: KeystoneSessionOptions;
  readonly #http: HttpClient;
  readonly #now: () => number;
  readonly #margin: number;
  #current: KeystoneToken | undefined;
  /** When {@link KeystoneSession.token} stops answering `#current` (epoch ms, by `#now`). */
  #renewAt = Number.POSITIVE_INFINITY;
  #pending: Promise<KeystoneToken> | undefined;

  /** Creates the session; nothing is sent until a token is needed. */
  constructor(options: KeystoneSessionOptions) {
    this.#options = options;
    const base = trimUrl(options.authUrl);
    this.#http = new HttpClient({ ...options, service: 'Keystone', endpoint: staticEndpoint(/\/v3$/u.test(base) ? base : `${base}/v3`) });
    this.#now = options.now ?? Date.now;
    this.#margin = options.refreshMarginMs ?? 120_000;
  }

  /** A valid token: the cached one, or a new one when there is none or it is about to expire. */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const current = this.#current;
    if (current !== undefined && this.#renewAt > this.#now()) return current;
    return this.#authenticate(signal);
  }

  /**
   * Authenticates again because `staleToken` was refused or expired. Concurrent callers share
   * one request, and a caller whose stale token was already replaced gets the new one at once.
   */
  async renew(staleToken?: string, signal?: AbortSignal): Promise<KeystoneToken> {
    const current = this.#current;
    if (current !== undefined && staleToken !== undefined && current.id !== staleToken) return current;
    this.#current = undefined;
    return this.#authenticate(signal);
  }

  /** Forgets the cached token (the next call authenticates). */
  invalidate(): void {
    this.#current = undefined;
  }

  /** The URL of a service from the token's catalog; `NotFoundError` when the catalog has none. */
  async endpointUrl(selector: EndpointSelector, signal?: AbortSignal): Promise<string> {
    if (selector.url !== undefined) return trimUrl(selector.url);
    const token = await this.token(signal);
    const iface = selector.interface ?? this.#options.interface ?? 'public';
    const region = selector.region ?? this.#options.region;
    const url = findEndpoint(token.catalog, selector.type, iface, region);
    if (url === undefined) {
      const types = typesOf(selector.type);
      throw new NotFoundError(
        `The Keystone catalog has no ${types.join(' / ')} endpoint with interface "${iface}"${region === undefined ? '' : ` in region "${region}"`}`,
        { details: { service: 'Keystone', serviceTypes: types, interface: iface, ...(region === undefined ? {} : { region }), catalogTypes: token.catalog.map((entry) => entry.type) } },
      );
    }
    return token.projectId === undefined ? url : url.replace(/(?:%|\$)\((?:project_id|tenant_id)\)s/gu, token.projectId);
  }

  /** A {@link ServiceEndpoint} for a client: the catalog's URL and `X-Auth-Token`; renews the token after a 401. */
  endpoint(selector: EndpointSelector): ServiceEndpoint {
    return {
      resolve: async (signal?: AbortSignal): Promise<ResolvedEndpoint> => {
        const token = await this.token(signal);
        const url = await this.endpointUrl(selector, signal);
        return { url, headers: { 'X-Auth-Token': token.id } };
      },
      renew: async (rejected: ResolvedEndpoint, signal?: AbortSignal): Promise<void> => {
        await this.renew(rejected.headers['X-Auth-Token'], signal);
      },
    };
  }

  #authenticate(signal?: AbortSignal): Promise<KeystoneToken> {
    if (this.#pending !== undefined) return this.#pending;
    const attempt = this.#request(signal).then(
      (token) => {
        this.#current = token;
        this.#renewAt = token.expiresAt === undefined ? Number.POSITIVE_INFINITY : this.#now() + renewalDelay(token.expiresAt, this.#margin);
        return token;
      },
      (error: unknown) => {
        throw keystoneError(error);
      },
    );
    this.#pending = attempt;
    const clear = (): void => {
      if (this.#pending === attempt) this.#pending = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }

  async #request(signal?: AbortSignal): Promise<KeystoneToken> {
    const response = await this.#http.stream({
      method: 'POST',
      path: '/auth/tokens',
      json: keystoneAuthBody(this.#options.auth, this.#options.scope),
      idempotent: true, // issuing a second token is harmless
      resource: { type: 'token' },
      signal,
    });
    const id = response.headers.get('x-subject-token');
    let body: TokenBody;
    try {
      body = (await response.json()) as TokenBody;
    } catch (error) {
      throw new UnavailableError('Keystone answered a token without a valid JSON body', { code: 'KTS_ERR_AUTH_BACKEND', details: { service: 'Keystone' }, cause: error });
    }
    if (id === null || id === '') throw new UnavailableError('Keystone answered without an X-Subject-Token header', { code: 'KTS_ERR_AUTH_BACKEND', details: { service: 'Keystone' } });
    const token = body.token ?? {};
    const expiresAt = typeof token.expires_at === 'string' ? Date.parse(token.expires_at) : Number.NaN;
    const userId = str(token.user?.id);
    const projectId = str(token.project?.id);
    const projectName = str(token.project?.name);
    return {
      id,
      ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
      ...(userId === undefined ? {} : { userId }),
      ...(projectId === undefined ? {} : { projectId }),
      ...(projectName === undefined ? {} : { projectName }),
      roles: (token.roles ?? []).map((role) => str(role.name)).filter((name): name is string => name !== undefined),
      catalog: parseCatalog(token.catalog),
    };
  }
}

/** Keystone being down or failing is `KTS_ERR_AUTH_BACKEND`; everything else passes through. */
function keystoneError(error: unknown): FrameworkError | unknown {
  if (!isFrameworkError(error) || error.code === 'KTS_ERR_AUTH_BACKEND') return error;
  // A Keystone that does not answer in time is as unavailable as one that answers 503.
  if (error.kind !== 'unavailable' && error.code !== 'KTS_ERR_TIMEOUT') return error;
  return new UnavailableError(error.message, { code: 'KTS_ERR_AUTH_BACKEND', details: error.details, cause: error.cause ?? error });
}
