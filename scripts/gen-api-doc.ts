/**
 * Generates `docs/api-reference.md` from the OpenAPI document the server serves at
 * `GET /openapi.json`: the API is created exactly as a server creates it (`createKarborApi`)
 * and the document is fetched through its own handler, so the page cannot describe anything
 * the server does not publish. One section per route: method and path, summary, policy action,
 * parameters, a summary of the request body's schema, and the responses with their status
 * codes; a closing section lists the error codes behind each error status.
 *
 * Run: `npx tsx scripts/gen-api-doc.ts` (writes the page), or with `--check` (exits 1 when the
 * committed page is stale). `test/meta/api-reference.test.ts` runs the same check.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CODES, createFrameworkError, type ErrorCode } from '../src/core/index.js';
import { createKarborApi, statusOf } from '../src/http/index.js';

/** Where the page lives, relative to the repository root. */
export const API_REFERENCE_PATH = 'docs/api-reference.md';
/** The command that regenerates the page. */
export const REGENERATE_COMMAND = 'npx tsx scripts/gen-api-doc.ts';

type Schema = Readonly<Record<string, unknown>>;

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
}

interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly 'x-policy-action': string;
  readonly parameters: readonly Parameter[];
  readonly requestBody?: { readonly content: { readonly 'application/json': { readonly schema: Schema } } };
  readonly responses: Readonly<Record<string, { readonly description: string; readonly $ref?: string; readonly content?: { readonly 'application/json': { readonly schema: Schema } } }>>;
}

interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
}

/** The OpenAPI document, as `GET /openapi.json` answers it. */
export async function servedOpenApi(): Promise<OpenApiDocument> {
  // The document does not depend on the service or the authenticator: neither is called.
  const api = createKarborApi({ service: {} as never, authenticator: { authenticate: async () => undefined } });
  const response = await api.fetch(new Request('http://127.0.0.1/openapi.json'));
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

/** A heading's anchor as GitHub makes it (lowercase; punctuation dropped; spaces to `-`). */
export function slugOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

const asSchema = (value: unknown): Schema | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : undefined);

// ---------------------------------------------------------------------------------------------
// Schema summaries

/** The type of a schema in a few words (`string`, `object or null`, `array`, `"a" or "b"`). */
function typeOf(schema: Schema): string {
  if (Array.isArray(schema['enum'])) return (schema['enum'] as unknown[]).map((value) => JSON.stringify(value)).join(' or ');
  const alternatives = (schema['oneOf'] ?? schema['anyOf']) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map((alternative) => typeOf(asSchema(alternative) ?? {})).join(' or ');
  const type = schema['type'];
  if (Array.isArray(type)) return type.join(' or ');
  if (typeof type === 'string') return type;
  return 'any';
}

/** Constraints and notes of one schema, as short phrases. */
function notesOf(schema: Schema): string[] {
  const notes: string[] = [];
  const range = (min: unknown, max: unknown, unit: string): void => {
    if (typeof min === 'number' && typeof max === 'number') notes.push(`${min}–${max} ${unit}`);
    else if (typeof min === 'number') notes.push(`at least ${min} ${unit}`);
    else if (typeof max === 'number') notes.push(max === 0 ? `no ${unit}` : `at most ${max} ${unit}`);
  };
  range(schema['minLength'], schema['maxLength'], 'characters');
  range(schema['minItems'], schema['maxItems'], 'items');
  range(schema['minProperties'], schema['maxProperties'], 'keys');
  if (typeof schema['minimum'] === 'number') notes.push(`≥ ${schema['minimum']}`);
  if (typeof schema['maximum'] === 'number') notes.push(`≤ ${schema['maximum']}`);
  if (typeof schema['pattern'] === 'string') notes.push(`matches \`${schema['pattern']}\``);
  const names = asSchema(schema['propertyNames']);
  if (names && typeof names['pattern'] === 'string') notes.push(`keys match \`${names['pattern']}\``);
  if (schema['default'] !== undefined) notes.push(`default ${JSON.stringify(schema['default'])}`);
  if (schema['additionalProperties'] === false && asSchema(schema['properties'])) notes.push('no other keys');
  if (typeof schema['description'] === 'string') notes.push(schema['description']);
  return notes;
}

interface FieldRow {
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly notes: readonly string[];
}

/** Flattens a request schema into one row per field (`plan.resources[].id`). */
function fieldsOf(schema: Schema, path: string, required: boolean, rows: FieldRow[]): void {
  const alternatives = (schema['oneOf'] ?? schema['anyOf']) as unknown[] | undefined;
  if (path !== '') rows.push({ field: path, type: typeOf(schema), required, notes: notesOf(schema) });
  if (Array.isArray(alternatives)) {
    // Each form's fields, told apart by their paths (`copy.plan_id`, `copy[].plan_id`).
    for (const alternative of alternatives) {
      const form = asSchema(alternative);
      if (form) childrenOf(form, path, rows);
    }
    return;
  }
  childrenOf(schema, path, rows);
}

function childrenOf(schema: Schema, path: string, rows: FieldRow[]): void {
  const properties = asSchema(schema['properties']);
  const requiredKeys = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  const join = (key: string): string => (path === '' ? key : `${path}.${key}`);
  if (properties) for (const [key, value] of Object.entries(properties)) fieldsOf(asSchema(value) ?? {}, join(key), requiredKeys.has(key), rows);
  const extra = asSchema(schema['additionalProperties']);
  if (extra) fieldsOf(extra, join('*'), false, rows);
  const items = asSchema(schema['items']);
  if (items && (asSchema(items['properties']) || items['oneOf'] || items['additionalProperties'])) childrenOf(items, `${path}[]`, rows);
}

/** A response body in one line: each top-level key with its type, and the keys of its objects. */
function bodyOf(schema: Schema): string {
  const alternatives = schema['oneOf'] as unknown[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map((alternative) => bodyOf(asSchema(alternative) ?? {})).join(' — or — ');
  const properties = asSchema(schema['properties']);
  if (!properties) return typeOf(schema);
  const requiredKeys = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  return Object.entries(properties)
    .map(([key, value]) => `\`${key}\`${requiredKeys.has(key) ? '' : ' (optional)'}: ${shapeOf(asSchema(value) ?? {})}`)
    .join('; ');
}

/** A value's shape in a few words: `object with \`id\`, \`name\``, `array of …`. */
function shapeOf(schema: Schema): string {
  const alternatives = (schema['oneOf'] ?? schema['anyOf']) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map((alternative) => shapeOf(asSchema(alternative) ?? {})).join(' or ');
  const properties = asSchema(schema['properties']);
  if (properties) return `object with ${Object.keys(properties).map((key) => `\`${key}\``).join(', ')}`;
  const items = asSchema(schema['items']);
  if (schema['type'] === 'array' && items) return `array of ${shapeOf(items)}`;
  return typeOf(schema);
}

// ---------------------------------------------------------------------------------------------
// Error codes by status

/**
 * Every registered error code the API answers with `status`, sorted — but the typed client's
 * own codes (`KTS_ERR_API_*`), which it raises when it gets no API answer at all.
 */
function codesByStatus(): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    if (code.startsWith('KTS_ERR_API_')) continue;
    const status = statusOf(createFrameworkError(code));
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const codes of byStatus.values()) codes.sort();
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

const statusHeading = (status: number | string): string => `Status ${status}`;

// ---------------------------------------------------------------------------------------------
// The page

/** Renders the page from `document`. */
export function renderApiReference(document: OpenApiDocument): string {
  const routes: { method: string; path: string; operation: Operation }[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) routes.push({ method: method.toUpperCase(), path, operation });
  }
  const tags: string[] = [];
  for (const route of routes) for (const tag of route.operation.tags) if (!tags.includes(tag)) tags.push(tag);
  // Plain text (no code span): GitHub and typedoc then derive the same anchor from it.
  const headingOf = (route: (typeof routes)[number]): string => `${route.method} ${route.path}`;
  const byStatus = codesByStatus();

  const out: string[] = [];
  const line = (text = ''): void => void out.push(text);
  line('# HTTP API reference');
  line();
  line(`<!-- Generated from the OpenAPI document (GET /openapi.json) by \`${REGENERATE_COMMAND}\`. Do not edit: change the route table in src/http and regenerate. -->`);
  line();
  line(document.info.description);
  line();
  line(`This page is generated from the OpenAPI ${document.openapi} document the server serves at`);
  line('`GET /openapi.json` — the same route table, request schemas and response schemas the server');
  line(`validates and answers with — by \`${REGENERATE_COMMAND}\`; \`test/meta/api-reference.test.ts\``);
  line('fails when it is stale. For authentication, policy, long work, lists and errors in prose, see');
  line('[the HTTP API guide](http.md).');
  line();
  line('Every path is below `/v1/{project_id}` and needs an `X-Auth-Token` header. Besides them, the server');
  line('answers `GET /` (300, the versions), `GET /v1` (the v1 version document) and `GET /openapi.json`.');
  line('Error answers are OpenStack fault envelopes');
  line('(`{"itemNotFound": {"code": 404, "message": "…", "error_code": "KTS_ERR_…", "details": {…}}}`); the');
  line(`[error codes behind each status](#${slugOf('Error codes by status')}) close the page.`);
  line();
  line('| Method | Path | Policy action | Summary |');
  line('|---|---|---|---|');
  for (const route of routes) {
    line(`| ${route.method} | [\`${route.path}\`](#${slugOf(headingOf(route))}) | \`${route.operation['x-policy-action']}\` | ${cell(route.operation.summary)} |`);
  }
  for (const tag of tags) {
    line();
    line(`## ${tag}`);
    for (const route of routes.filter((candidate) => candidate.operation.tags[0] === tag)) {
      const { operation } = route;
      line();
      line(`### ${headingOf(route)}`);
      line();
      line(operation.summary);
      line();
      line(`Policy action \`${operation['x-policy-action']}\` · operation id \`${operation.operationId}\``);
      line();
      line('**Parameters**');
      line();
      line('| Name | In | Required | Description |');
      line('|---|---|---|---|');
      for (const parameter of operation.parameters) {
        line(`| \`${parameter.name}\` | ${parameter.in} | ${parameter.required ? 'yes' : 'no'} | ${cell(parameter.description ?? (parameter.name === 'project_id' ? 'The project (the token’s, unless the caller is an admin).' : '—'))} |`);
      }
      line();
      const body = operation.requestBody?.content['application/json'].schema;
      if (body) {
        line('**Request body** (`application/json`, required)');
        line();
        line('| Field | Type | Required | Notes |');
        line('|---|---|---|---|');
        const rows: FieldRow[] = [];
        fieldsOf(body, '', true, rows);
        for (const row of rows) line(`| \`${row.field}\` | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${cell(row.notes.join('; '))} |`);
      } else {
        line('**Request body**: none.');
      }
      line();
      line('**Responses**');
      line();
      line('| Status | Meaning | Body or error codes |');
      line('|---|---|---|');
      for (const [status, response] of Object.entries(operation.responses)) {
        const schema = response.content?.['application/json'].schema;
        if (response.$ref !== undefined) {
          const codes = byStatus.get(Number(status)) ?? [];
          line(`| ${status} | ${cell(response.description)} | fault; [${codes.length} code${codes.length === 1 ? '' : 's'}](#${slugOf(statusHeading(status))}) |`);
        } else {
          line(`| ${status} | ${cell(response.description)} | ${schema ? cell(bodyOf(schema)) : 'none'} |`);
        }
      }
    }
  }
  line();
  line('## Error codes by status');
  line();
  line('Every error code of the registry ([errors.md](errors.md)), by the HTTP status the API answers it');
  line('with. Which of them a route can answer depends on what it does; the status is what the');
  line('`karbor` client and other callers see, the `error_code` of the fault says which one it was.');
  line('(`KTS_ERR_API_UNREACHABLE` and `KTS_ERR_API_RESPONSE_INVALID` are raised by the typed client when it');
  line('gets no API answer at all; the server never sends them.)');
  for (const [status, codes] of byStatus) {
    line();
    line(`### ${statusHeading(status)}`);
    line();
    line(codes.map((code) => `\`${code}\``).join(', '));
  }
  return `${out.join('\n')}\n`;
}

/** The page as it should be committed. */
export async function generateApiReference(): Promise<string> {
  return renderApiReference(await servedOpenApi());
}

async function main(): Promise<void> {
  const target = fileURLToPath(new URL(`../${API_REFERENCE_PATH}`, import.meta.url));
  const page = await generateApiReference();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (committed !== page) {
      console.error(`${API_REFERENCE_PATH} is stale: run \`${REGENERATE_COMMAND}\``);
      process.exit(1);
    }
    console.log(`${API_REFERENCE_PATH} is up to date`);
    return;
  }
  writeFileSync(target, page);
  console.log(`wrote ${API_REFERENCE_PATH}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
