/**
 * Where a client sends its requests and with which credentials.
 *
 * Every client takes one {@link ServiceEndpoint}, so the same client code runs against a real
 * cloud and against the local services:
 *
 * - **A Keystone session** (a real cloud): `session.endpoint({ type: 'image' })` looks the URL up
 *   in the token's catalog and sends `X-Auth-Token`; after a 401 the client asks the endpoint to
 *   {@link ServiceEndpoint.renew | renew} and repeats the request once.
 * - **A static endpoint** (no Keystone): {@link staticEndpoint} with a fixed URL and headers,
 *   e.g. {@link trustedHeaders} for a Glance that trusts identity headers, or
 *   {@link cinderNoAuth} for a Cinder with `auth_strategy = noauth_include_project_id`. A 401 is
 *   final there.
 *
 * @module
 */

/** A base URL and the headers that authenticate a request to it. */
export interface ResolvedEndpoint {
  /** The service's base URL without a trailing slash (Glance: `http://h:9292`; Cinder: `http://h:8776/v3/<project>`). */
  readonly url: string;
  /** Headers every request carries (`X-Auth-Token`, trusted identity headers, …). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The source of a client's base URL and credentials. */
export interface ServiceEndpoint {
  /** The URL and headers for the next request (may authenticate first). */
  resolve(signal?: AbortSignal): Promise<ResolvedEndpoint>;
  /**
   * Called after the service answered 401 to a request sent with `rejected`: renew the
   * credentials so the next {@link ServiceEndpoint.resolve} returns fresh ones. Absent when the
   * credentials cannot change (a 401 is then final).
   */
  renew?(rejected: ResolvedEndpoint, signal?: AbortSignal): Promise<void>;
}

/** `url` without trailing slashes. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/u, '');
}

/** An endpoint with a fixed URL and fixed headers (no Keystone). */
export function staticEndpoint(url: string, headers: Readonly<Record<string, string>> = {}): ServiceEndpoint {
  const resolved: ResolvedEndpoint = { url: trimUrl(url), headers: { ...headers } };
  return { resolve: () => Promise.resolve(resolved) };
}

/** Who a request acts as, for the Keystone-less modes of the local services. */
export interface TrustedIdentity {
  /** The project (tenant) id; hex or a UUID. */
  readonly projectId: string;
  /** The user id. @default 'karbor' */
  readonly userId?: string;
  /** The roles. @default ['admin', 'member', 'reader'] */
  readonly roles?: readonly string[];
}

/**
 * The identity headers keystonemiddleware would set, for a service whose paste pipeline runs
 * Keystone's `context` middleware without `authtoken` (the "trusted headers" mode that
 * `scripts/glance-up.sh` configures): `X-Identity-Status: Confirmed`, `X-Project-Id`,
 * `X-User-Id` and `X-Roles`.
 */
export function trustedHeaders(identity: TrustedIdentity): Record<string, string> {
  return {
    'X-Identity-Status': 'Confirmed',
    'X-Project-Id': identity.projectId,
    'X-Tenant-Id': identity.projectId,
    'X-User-Id': identity.userId ?? 'karbor',
    'X-Roles': (identity.roles ?? ['admin', 'member', 'reader']).join(','),
  };
}

/**
 * A Cinder endpoint for `auth_strategy = noauth_include_project_id` (as `scripts/cinder-up.sh`
 * runs it): URL `<baseUrl>/v3/<projectId>` and `X-Auth-Token: <userId>:<projectId>`. Cinder
 * accepts only project ids made of `[0-9a-f-]` in URLs (others answer 404).
 */
export function cinderNoAuth(baseUrl: string, identity: TrustedIdentity): ServiceEndpoint {
  const base = trimUrl(baseUrl).replace(/\/v3$/u, '');
  return staticEndpoint(`${base}/v3/${identity.projectId}`, { 'X-Auth-Token': `${identity.userId ?? 'karbor'}:${identity.projectId}` });
}
