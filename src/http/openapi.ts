/**
 * The OpenAPI 3.1 document of the API, generated from the route table: every path, method,
 * parameter, request schema (the same objects ajv validates with), response schema (the same
 * objects the views are typed from, `response-schemas.ts`) and the fault envelope.
 *
 * @module
 */
import type { JsonSchema } from '../core/index.js';
import { VIEWS_BY_KEY, listBody, singleBody } from './response-schemas.js';
import type { ApiRoute } from './route.js';

const FAULT = {
  type: 'object',
  description: 'An OpenStack fault: one key (badRequest, unauthorized, forbidden, itemNotFound, badMethod, conflictingRequest, overLimit, badMediaType, serviceUnavailable, computeFault).',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: {
    type: 'object',
    required: ['code', 'message', 'error_code'],
    properties: {
      code: { type: 'integer', description: 'The HTTP status.' },
      message: { type: 'string' },
      error_code: { type: 'string', description: 'The karbor-ts error code (docs/errors.md).' },
      details: { type: 'object' },
    },
  },
};

const ERRORS: Readonly<Record<string, string>> = {
  '400': 'Invalid request: malformed JSON, a schema violation, an unknown query parameter.',
  '401': 'No token, or an invalid one.',
  '403': 'The policy forbids the action, or the URL names another project.',
  '404': 'No such resource (or not visible to the caller).',
  '409': 'The request conflicts with the current state.',
  '413': 'The body is too large, or a quota is exceeded.',
  '503': 'A back-end (bank, plugin, identity service) failed; retry later.',
};

/**
 * The schema of a route's success body: its own `response`, else the wrapper of the view behind
 * its `responseKey`; `undefined` for a route that answers no body.
 */
export function responseSchemaOf(route: ApiRoute): JsonSchema | undefined {
  if (route.response) return route.response;
  if (!route.responseKey) return undefined;
  const entry = VIEWS_BY_KEY[route.responseKey];
  if (!entry) return { type: 'object', required: [route.responseKey], properties: { [route.responseKey]: {} } };
  return entry.list ? listBody(route.responseKey, entry.view) : singleBody(route.responseKey, entry.view);
}

/** Builds the document for `routes`. */
export function buildOpenApi(routes: readonly ApiRoute[]): Readonly<Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `/v1/{project_id}${route.path.replace(/:(\w+)/g, '{$1}')}`;
    const pathParameters = ['project_id', ...[...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]!)].map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParameters = (route.query ?? []).map((parameter) => ({ name: parameter.name, in: 'query', required: false, description: parameter.description, schema: { type: 'string' } }));
    const status = String(route.status ?? 200);
    const response = responseSchemaOf(route);
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = {
      operationId: route.action.replace(/[^A-Za-z0-9]+/g, '_') + `_${route.method.toLowerCase()}`,
      summary: route.summary,
      tags: [route.tag],
      'x-policy-action': route.action,
      parameters: [...pathParameters, ...queryParameters],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: {
        [status]: response
          ? { description: `The \`${route.responseKey ?? 'response'}\` wrapper.`, content: { 'application/json': { schema: response } } }
          : { description: 'No content.' },
        ...Object.fromEntries(Object.entries(ERRORS).map(([code, description]) => [code, { $ref: `#/components/responses/fault${code}`, description }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'karbor-ts — Karbor v1 data-protection API',
      version: '1.0',
      description: 'The OpenStack Karbor v1 API (providers, plans, checkpoints, restores, verifications, copies, operation logs, protectables, quotas, services), as served by karbor-ts.',
    },
    security: [{ token: [] }],
    paths,
    components: {
      securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
      schemas: { Fault: FAULT },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [`fault${code}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Fault' } } } }]),
      ),
    },
  };
}
