/**
 * The response schemas (src/http/response-schemas.ts) compile in ajv, take their status enums
 * from the core vocabularies, and are published in the OpenAPI document for every route that
 * answers a body. (test/client/client.test.ts validates real answers against them.)
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CheckpointStatus, CopyStatus, RestoreStatus, VerificationStatus } from '../../src/core/index.js';
import { buildOpenApi, responseSchemaOf } from '../../src/http/openapi.js';
import * as schemas from '../../src/http/response-schemas.js';
import { API_ROUTES } from '../../src/http/routes/index.js';

describe('response schemas', () => {
  it('every exported schema compiles in ajv', () => {
    const ajv = new Ajv({ strict: false });
    const exported = Object.entries(schemas).filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value) && ('type' in value || 'oneOf' in value));
    expect(exported.length).toBeGreaterThan(15);
    for (const [, schema] of exported) expect(() => ajv.compile(schema as object)).not.toThrow();
  });

  it('status enums are the core vocabularies', () => {
    expect(schemas.CHECKPOINT_VIEW.properties.status.enum).toEqual(Object.values(CheckpointStatus));
    expect(schemas.COPY_VIEW.properties.status.enum).toEqual(Object.values(CopyStatus));
    expect(schemas.RESTORE_VIEW.properties.status.enum).toEqual(Object.values(RestoreStatus));
    expect(schemas.VERIFICATION_VIEW.properties.status.enum).toEqual(Object.values(VerificationStatus));
  });

  it('every route with a response key publishes a real schema in the OpenAPI document', () => {
    const doc = buildOpenApi(API_ROUTES) as { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
    for (const route of API_ROUTES) {
      const schema = responseSchemaOf(route);
      const documented = doc.paths[`/v1/{project_id}${route.path.replace(/:(\w+)/g, '{$1}')}`]![route.method.toLowerCase()]!.responses[String(route.status ?? 200)];
      if (route.responseKey === undefined) {
        expect(schema, `${route.method} ${route.path}`).toBeUndefined();
        expect(documented.content).toBeUndefined();
        continue;
      }
      expect(JSON.stringify(schema), `${route.method} ${route.path}`).toContain('"additionalProperties":false');
      expect(documented.content['application/json'].schema).toEqual(schema);
    }
  });
});
