/**
 * docs/api-reference.md is generated from the OpenAPI document the server serves
 * (`scripts/gen-api-doc.ts`): regenerate it in memory and fail when the committed page differs,
 * saying which command regenerates it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_REFERENCE_PATH, REGENERATE_COMMAND, generateApiReference, servedOpenApi } from '../../scripts/gen-api-doc.js';
import { API_ROUTES } from '../../src/http/routes/index.js';

const committed = (): string => readFileSync(new URL(`../../${API_REFERENCE_PATH}`, import.meta.url), 'utf8');

describe('docs/api-reference.md', () => {
  it('is what scripts/gen-api-doc.ts generates from GET /openapi.json', async () => {
    const expected = await generateApiReference();
    expect(committed() === expected, `${API_REFERENCE_PATH} is stale: run \`${REGENERATE_COMMAND}\` and commit the result`).toBe(true);
  });

  it('has one section per route of the served document, and every route is served', async () => {
    const document = await servedOpenApi();
    const served = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(served.sort()).toEqual(API_ROUTES.map((route) => `${route.method} /v1/{project_id}${route.path.replace(/:(\w+)/g, '{$1}')}`).sort());
    const sections = [...committed().matchAll(/^### (GET|POST|PUT|DELETE) (\/\S+)$/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(sections.sort()).toEqual(served.sort());
  });
});
