/**
 * The Karbor v1 API as a web-standard handler (`Request` → `Response`), routed by Hono, so it
 * mounts in any framework or server (`serveKarborApi` runs it on Node's `http`). Every request
 * under `/v1/{project_id}` is authenticated (`X-Auth-Token`), scoped (the URL's project must be
 * the token's unless the caller is an admin), authorised by the policy, has its body validated,
 * and gets an `X-OpenStack-Request-ID`. Errors are Karbor fault envelopes, never a 500.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import {
  AuthenticationError,
  ForbiddenError,
  NotFoundError,
  SchemaValidator,
  ValidationError,
  silentLogger,
  type Logger,
} from '../core/index.js';
import type { ProtectionService, RequestContext } from '../protection/index.js';
import type { Authenticator, Identity } from './auth.js';
import { readJsonBody } from './body.js';
import { DEFAULT_VIEW_CACHE_SIZE, ViewCache } from './view-cache.js';
import { toFault } from './faults.js';
import { buildOpenApi } from './openapi.js';
import { Policy } from './policy.js';
import type { ApiCall } from './route.js';
import { API_ROUTES } from './routes/index.js';
import { versionsDocument, versionDocument } from './routes/versions.js';

/** Options of {@link createKarborApi}. */
export interface KarborApiOptions {
  /** The protection service the API drives. */
  readonly service: ProtectionService;
  /** Checks `X-Auth-Token`: a tokens table (`createTokenTable`) or Keystone (`createKeystoneAuthenticator`). */
  readonly authenticator: Authenticator;
  /** Policy rules overriding Karbor's defaults (`{"plan:delete": "rule:admin_api"}`), or a compiled policy. */
  readonly policy?: Readonly<Record<string, string>> | Policy;
  /** Roles that make a caller an admin. @default ['admin'] */
  readonly adminRoles?: readonly string[];
  /** The largest request body, in bytes. @default 1048576 */
  readonly maxBodyBytes?: number;
  /** The largest page a list returns (and its default size). @default 1000 */
  readonly maxLimit?: number;
  /** Where request failures are logged. @default silent */
  readonly logger?: Logger;
  /** The schema validator to share. @default a new one */
  readonly validator?: SchemaValidator;
  /**
   * How many rendered record views (the JSON of one restore, verification or copy) the API
   * caches per collection, keyed by the store's revision of the record, so that lists and shows
   * skip viewing and serialising records that have not changed; 0 turns the cache off.
   * @default 4096
   */
  readonly viewCacheSize?: number;
}

/** The API: a fetch handler plus the Hono app to mount elsewhere. */
export interface KarborApi {
  /** Handles one request. */
  fetch(request: Request): Promise<Response>;
  /** The Hono app, to use as is. Under a path of another Hono app, mount {@link KarborApi.fetch} instead (`app.mount('/karbor', api.fetch)`): `app.route` would give the parent's 404 handling and path matching. */
  readonly app: Hono<KarborApiEnv>;
  /** The OpenAPI 3.1 document, also served at `/openapi.json`. */
  readonly openapi: Readonly<Record<string, unknown>>;
}

const PREFIX = '/v1/:project_id';

/** The Hono environment of the app: what it keeps per request (the request id). */
export type KarborApiEnv = { Variables: { requestId: string } };

/** Creates the Karbor v1 API over a protection service. */
export function createKarborApi(options: KarborApiOptions): KarborApi {
  const policy = options.policy instanceof Policy ? options.policy : new Policy(options.policy ?? {});
  const adminRoles = new Set((options.adminRoles ?? ['admin']).map((role) => role.toLowerCase()));
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const maxLimit = options.maxLimit ?? 1000;
  const logger = options.logger ?? silentLogger;
  const validator = options.validator ?? new SchemaValidator();
  // ViewCache validates the size (KTS_ERR_INVALID_OPTION).
  const views = new ViewCache(options.viewCacheSize ?? DEFAULT_VIEW_CACHE_SIZE);
  const openapi = buildOpenApi(API_ROUTES);
  const app = new Hono<KarborApiEnv>({ getPath: normalisedPath });

  // Every answer is built with plain-object headers that already carry the request id: setting
  // headers on a finished response afterwards would cost the Node adapter its fast path.
  app.onError((error, c) => {
    const fault = toFault(error);
    const requestId = requestIdOf(c);
    if (fault.status >= 500) logger.error('request failed', { requestId, method: c.req.method, path: c.req.path, error: fault.error.message, code: fault.error.code });
    const headers = requestIdHeaders(requestId);
    if (fault.error.code === 'KTS_ERR_METHOD_NOT_ALLOWED') headers['Allow'] = String(fault.error.details['allow'] ?? '');
    return jsonResponse(fault.body, fault.status, headers);
  });
  // A known path asked with another method is a 405, found here rather than by a catch-all
  // route per path, so that a request the API serves matches one route only.
  const routePaths = new TrieRouter<readonly string[]>();
  app.notFound((c) => {
    const [[match]] = routePaths.match(c.req.method, normalisedPath(c.req.raw)) as [[readonly string[], unknown][]];
    if (match !== undefined) {
      const methods = match[0];
      throw new ValidationError(`${c.req.method} is not allowed here; use ${methods.join(', ')}`, {
        code: 'KTS_ERR_METHOD_NOT_ALLOWED',
        details: { allow: methods.join(', ') },
      });
    }
    throw new NotFoundError('No such resource: check the path (it starts with /v1/{project_id})', { code: 'KTS_ERR_ROUTE_NOT_FOUND' });
  });

  app.get('/', (c) => jsonResponse(versionsDocument(new URL(c.req.url)), 300, requestIdHeaders(requestIdOf(c))));
  app.get('/v1', (c) => jsonResponse(versionDocument(new URL(c.req.url)), 200, requestIdHeaders(requestIdOf(c))));
  app.get('/openapi.json', (c) => jsonResponse(openapi, 200, requestIdHeaders(requestIdOf(c))));

  const identify = async (c: Context<KarborApiEnv>): Promise<{ identity: Identity; context: RequestContext }> => {
    const token = c.req.header('x-auth-token');
    if (!token) throw new AuthenticationError('The request has no X-Auth-Token header');
    const identity = await options.authenticator.authenticate(token);
    if (!identity) throw new AuthenticationError('The token is not valid (unknown, expired or revoked)');
    const isAdmin = identity.roles.some((role) => adminRoles.has(role.toLowerCase()));
    const projectId = c.req.param('project_id')!;
    if (projectId !== identity.projectId && !isAdmin) {
      throw new ForbiddenError(`The URL names project ${projectId}, but the token is scoped to project ${identity.projectId}`);
    }
    return { identity, context: { projectId, isAdmin, userId: identity.userId } };
  };

  const methodsByPath = new Map<string, string[]>();
  for (const route of API_ROUTES) {
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);
    app.on(route.method, `${PREFIX}${route.path}`, async (c) => {
      const { identity, context } = await identify(c);
      const credentials = { userId: identity.userId, projectId: identity.projectId, roles: identity.roles, isAdmin: context.isAdmin === true };
      if (!policy.allows(route.action, credentials, { projectId: context.projectId })) {
        throw new ForbiddenError(`The policy does not allow ${route.action}`, { details: { action: route.action } });
      }
      const body = route.body ? await readJsonBody(c.req.raw, route.body, validator, maxBodyBytes) : undefined;
      const call = new Call(c.req.url, context, identity, c.req.param() as Record<string, string>, body, options.service, maxLimit, views);
      const reply = await route.handle(call);
      const headers = requestIdHeaders(requestIdOf(c));
      if (reply.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        return new Response(reply.json, { status: reply.status ?? 200, headers });
      }
      if (reply.body === undefined) return new Response(null, { status: reply.status ?? 204, headers });
      return jsonResponse(reply.body, reply.status ?? 200, headers);
    });
  }
  for (const [path, methods] of methodsByPath) routePaths.add('ALL', `${PREFIX}${path}`, methods);
  return { app, openapi, fetch: (request) => Promise.resolve(app.fetch(request)) };
}

/** An {@link ApiCall}; its URL is parsed only when a route reads it (lists, next links), never for a show. */
class Call implements ApiCall {
  #url: URL | undefined;

  constructor(
    readonly href: string,
    readonly context: RequestContext,
    readonly identity: Identity,
    readonly params: Readonly<Record<string, string>>,
    readonly body: unknown,
    readonly service: ProtectionService,
    readonly maxLimit: number,
    readonly views: ViewCache,
  ) {}

  get url(): URL {
    return (this.#url ??= new URL(this.href));
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }
}

/** The request's id (`req-<uuid>`), made on first use. */
function requestIdOf(c: Context<KarborApiEnv>): string {
  let id = c.get('requestId');
  if (!id) {
    id = `req-${randomUUID()}`;
    c.set('requestId', id);
  }
  return id;
}

/** The request-id headers (OpenStack's, and the compute one the client falls back to). */
function requestIdHeaders(requestId: string): Record<string, string> {
  return { 'X-OpenStack-Request-ID': requestId, 'X-Compute-Request-ID': requestId };
}

/** A JSON answer (the client parses JSON only when the type says so). */
function jsonResponse(body: unknown, status: number, headers: Record<string, string>): Response {
  headers['Content-Type'] = 'application/json';
  return new Response(JSON.stringify(body), { status, headers });
}

/** The request path with repeated slashes collapsed and no trailing slash (the client builds `//plans` from a base URL ending in `/`). */
function normalisedPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const query = url.indexOf('?', start);
  const path = (query < 0 ? url.slice(start) : url.slice(start, query)).replace(/\/{2,}/g, '/');
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
