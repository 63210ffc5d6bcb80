/**
 * The route table's shape: every endpoint is one {@link ApiRoute} — method, path, policy
 * action, request schema, documentation and handler. The app mounts the table on Hono and the
 * OpenAPI document is generated from it, so the two cannot drift apart.
 *
 * @module
 */
import type { JsonSchema } from '../core/index.js';
import type { ProtectionService, RequestContext } from '../protection/index.js';
import type { Identity } from './auth.js';
import type { ViewCache } from './view-cache.js';

/** The HTTP methods the API uses. */
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One request, as a route handler sees it. */
export interface ApiCall<B = unknown> {
  /** The protection-service context: the URL's project, whether the caller is an admin, the user. */
  readonly context: RequestContext;
  /** The token's identity. */
  readonly identity: Identity;
  /** Path parameters (decoded). */
  readonly params: Readonly<Record<string, string>>;
  /** The query string. */
  readonly query: URLSearchParams;
  /** The request URL (for next links). */
  readonly url: URL;
  /** The validated body, when the route declares a schema. */
  readonly body: B;
  /** The protection service. */
  readonly service: ProtectionService;
  /** The largest page a list returns. */
  readonly maxLimit: number;
  /** The API's cache of rendered record views (by collection, id and store revision). */
  readonly views: ViewCache;
}

/** What a handler answers: a status (200 when omitted) and a JSON body (none when omitted). */
export interface ApiReply {
  /** The HTTP status. @default 200 */
  readonly status?: number;
  /** The JSON body; omitted for an empty answer. */
  readonly body?: unknown;
  /** The JSON body already serialised, as text or UTF-8 bytes (answered as is, instead of `body`). */
  readonly json?: string | Uint8Array;
}

/** A documented query parameter. */
export interface QueryParameter {
  /** Its name. */
  readonly name: string;
  /** What it does. */
  readonly description: string;
}

/** One endpoint. */
export interface ApiRoute {
  /** The method. */
  readonly method: ApiMethod;
  /** The path below `/v1/{project_id}`, Hono-style (`/plans/:plan_id`). */
  readonly path: string;
  /** The policy action checked before anything else (`plan:get`, `quota:update`…). */
  readonly action: string;
  /** The OpenAPI tag (the collection). */
  readonly tag: string;
  /** One line for the OpenAPI document. */
  readonly summary: string;
  /** The request body's schema; the body is required and validated when set. */
  readonly body?: JsonSchema;
  /** Query parameters, for the documentation. */
  readonly query?: readonly QueryParameter[];
  /** The success status, for the documentation. @default 200 */
  readonly status?: number;
  /** The key wrapping the response (`plan`, `plans`…), for the documentation; none for an empty body. */
  readonly responseKey?: string;
  /**
   * The response body's schema, for the documentation, when the response key alone does not
   * say it (several body forms, or a key shared by different shapes); otherwise it is the
   * wrapper of the view behind `responseKey` (`response-schemas.ts`).
   */
  readonly response?: JsonSchema;
  /** Handles a request that passed authentication, policy and body validation. */
  handle(call: ApiCall): Promise<ApiReply>;
}

/** Identity helper that types a route table. */
export function defineRoutes(routes: readonly ApiRoute[]): readonly ApiRoute[] {
  return routes;
}
