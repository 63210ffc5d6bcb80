/**
 * Every client mistake gets the right 4xx and a message the `karbor` client prints (the first
 * value of the body is an object with `code` and `message`), never a 500 — checked for every
 * route of the table: no token, a bad token, another project's URL, malformed JSON, wrong
 * types, unknown ids, another project's ids; plus unknown routes, wrong methods, oversized
 * bodies, other media types and repeated slashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/http/routes/index.js';
import { PROJECT_A, PROJECT_B, PROVIDER_ID, TOKENS, startHttpService, type HttpTestService } from '../helpers/http-service.js';

let api: HttpTestService;
beforeAll(async () => {
  api = await startHttpService({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => api.close());

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const DIR = 'OS::Local::Directory';
const ADMIN_ONLY = new Set(['service:get_all', 'service:update', 'quota:update', 'quota:delete', 'quota_class:update']);

/** Path parameters that name nothing (the provider exists so that nested routes reach their own id). */
function pathOf(path: string, ids: Record<string, string> = {}): string {
  return path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? (name === 'provider_id' ? PROVIDER_ID : name === 'service_id' ? '987654' : UNKNOWN));
}

function expectFault(response: { status: number; body: any; headers: Headers }, status: number, code?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(response.headers.get('x-openstack-request-id')).toMatch(/^req-/);
  expect(response.headers.get('retry-after')).toBeNull();
  const values = Object.values(response.body as object);
  expect(values).toHaveLength(1);
  expect(values[0]).toMatchObject({ code: status, message: expect.stringMatching(/\S/) });
  if (code) expect(values[0].error_code).toBe(code);
}

describe('authentication and scope, on every route', () => {
  for (const route of API_ROUTES) {
    const path = pathOf(route.path);
    it(`${route.method} ${route.path}: no token → 401, bad token → 401, another project's URL → 403`, async () => {
      expectFault(await api.request(route.method, path, { token: null }), 401, 'KTS_ERR_UNAUTHORIZED');
      expectFault(await api.request(route.method, path, { token: 'not-a-known-token-at-all' }), 401, 'KTS_ERR_UNAUTHORIZED');
      expectFault(await api.request(route.method, path, { token: TOKENS.memberB, project: PROJECT_A }), 403, 'KTS_ERR_FORBIDDEN');
    });
  }
});

describe('bodies, on every route that takes one', () => {
  for (const route of API_ROUTES.filter((candidate) => candidate.body)) {
    const path = pathOf(route.path);
    const token = ADMIN_ONLY.has(route.action) ? TOKENS.admin : TOKENS.memberA;
    it(`${route.method} ${route.path}: malformed JSON, wrong types, no body, another media type → 400/415`, async () => {
      expectFault(await api.request(route.method, path, { token, body: '{"plan": ' }), 400, 'KTS_ERR_MALFORMED_JSON');
      expectFault(await api.request(route.method, path, { token, body: { unexpected: 1 } }), 400, 'KTS_ERR_VALIDATION');
      expectFault(await api.request(route.method, path, { token, body: [1, 2] }), 400, 'KTS_ERR_VALIDATION');
      expectFault(await api.request(route.method, path, { token }), 400, 'KTS_ERR_MALFORMED_JSON');
      expectFault(await api.request(route.method, path, { token, body: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'KTS_ERR_UNSUPPORTED_MEDIA_TYPE');
    });
  }

  it('names the offending field of a wrong type', async () => {
    const response = await api.request('POST', '/plans', { body: { plan: { name: 5, provider_id: PROVIDER_ID, resources: [] } } });
    expectFault(response, 400, 'KTS_ERR_VALIDATION');
    expect(response.body.badRequest.message).toMatch(/\/plan\/name must be string/);
    expect(response.body.badRequest.details.errors.length).toBeGreaterThan(0);
  });

  it('answers 413 to a body over the limit, with or without Content-Length', async () => {
    const big = JSON.stringify({ plan: { name: 'x'.repeat(70 * 1024) } });
    expectFault(await api.request('POST', '/plans', { body: big }), 413, 'KTS_ERR_BODY_TOO_LARGE');
    const chunked = await fetch(`${api.base()}/plans`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKENS.memberA, 'Content-Type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });
});

describe('unknown ids, on every route that names one', () => {
  const expected: Record<string, number> = {
    // Quotas of a project without its own are the defaults; an admin may set them for any project id.
    'quota:get': 200,
    'quota:update': 400, // the body is checked first: an empty quota
    'quota:delete': 204,
    'quota_class:get': 200,
    'quota_class:update': 400,
    'quota:get_default': 200,
  };
  for (const route of API_ROUTES.filter((candidate) => /:\w+_id|:protectable_type|:class_name/.test(candidate.path.replace(':provider_id', '')))) {
    it(`${route.method} ${route.path} with unknown ids → ${expected[route.action] ?? 404}`, async () => {
      const token = ADMIN_ONLY.has(route.action) || route.action.startsWith('quota') ? TOKENS.admin : TOKENS.memberA;
      const body = route.body ? minimalBody(route.path, route.method) : undefined;
      const response = await api.request(route.method, pathOf(route.path), { token, ...(body === undefined ? {} : { body }) });
      const status = expected[route.action] ?? 404;
      if (status >= 400) expectFault(response, status);
      else expect(response.status).toBe(status);
    });
  }

  it('an unknown provider is a 404 on every nested route', async () => {
    expectFault(await api.request('GET', `/providers/${UNKNOWN}`), 404, 'KTS_ERR_PROVIDER_NOT_FOUND');
    expectFault(await api.request('GET', `/providers/${UNKNOWN}/checkpoints`), 404, 'KTS_ERR_PROVIDER_NOT_FOUND');
    expectFault(await api.request('POST', `/providers/${UNKNOWN}/checkpoints`, { body: { checkpoint: { plan_id: UNKNOWN } } }), 404);
  });

  it('ids in bodies that name nothing are 404s, not 500s', async () => {
    expectFault(await api.request('POST', '/verifications', { body: { verification: { provider_id: PROVIDER_ID, checkpoint_id: UNKNOWN } } }), 404, 'KTS_ERR_CHECKPOINT_NOT_FOUND');
    expectFault(await api.request('POST', '/restores', { body: { restore: { provider_id: UNKNOWN, checkpoint_id: UNKNOWN } } }), 404, 'KTS_ERR_PROVIDER_NOT_FOUND');
    expectFault(await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints/action`, { body: { copy: [{ plan_id: UNKNOWN }] } }), 404, 'KTS_ERR_PLAN_NOT_FOUND');
    expectFault(await api.request('POST', '/plans', { body: { plan: { name: 'p', provider_id: PROVIDER_ID, resources: [{ id: 'x', type: 'OS::Nope::Thing', name: 'x' }] } } }), 400);
  });
});

function minimalBody(path: string, method: string): unknown {
  if (path.startsWith('/plans')) return { plan: { name: 'n' } };
  if (path.endsWith('/action')) return { cancel: {} };
  if (path.includes('/checkpoints/')) return { 'os-resetState': { state: 'available' } };
  if (path.startsWith('/quotas')) return { quota: {} };
  if (path.startsWith('/quota_classes')) return { quota_class: {} };
  if (path.startsWith('/os-services')) return { status: 'enabled' };
  throw new Error(`no minimal body for ${method} ${path}`);
}

describe("another project's records", () => {
  it('are not found (404) for a member of another project, and listed for nobody else', async () => {
    const plan = await api.request('POST', '/plans', { body: { plan: { name: 'mine', provider_id: PROVIDER_ID, resources: [{ id: 'docs', type: DIR, name: 'docs' }] } } });
    const created = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { body: { checkpoint: { plan_id: plan.body.plan.id } } });
    const checkpointId = created.body.checkpoint.id;
    await api.service.settled(checkpointId);
    const verification = await api.request('POST', '/verifications', { body: { verification: { provider_id: PROVIDER_ID, checkpoint_id: checkpointId } } });
    await api.service.settled(verification.body.verification.id);
    const log = (await api.request('GET', '/operation_logs')).body.operation_logs[0];

    const asB = { token: TOKENS.memberB, project: PROJECT_B };
    for (const path of [
      `/plans/${plan.body.plan.id}`,
      `/providers/${PROVIDER_ID}/checkpoints/${checkpointId}`,
      `/verifications/${verification.body.verification.id}`,
      `/operation_logs/${log.id}`,
    ]) {
      expectFault(await api.request('GET', path, asB), 404);
    }
    expectFault(await api.request('PUT', `/plans/${plan.body.plan.id}`, { ...asB, body: { plan: { name: 'stolen' } } }), 404);
    expectFault(await api.request('DELETE', `/plans/${plan.body.plan.id}`, asB), 404);
    expectFault(await api.request('DELETE', `/providers/${PROVIDER_ID}/checkpoints/${checkpointId}`, asB), 404);
    expectFault(await api.request('POST', '/verifications', { ...asB, body: { verification: { provider_id: PROVIDER_ID, checkpoint_id: checkpointId } } }), 404);
    expectFault(await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { ...asB, body: { checkpoint: { plan_id: plan.body.plan.id } } }), 404, 'KTS_ERR_PLAN_NOT_FOUND');
    // all_tenants is an admin's: a member asking for it sees only their own project.
    const listed = await api.request('GET', '/verifications?all_tenants=1', asB);
    expect(listed.body.verifications).toEqual([]);
    const adminList = await api.request('GET', `/verifications?all_tenants=1&project_id=${PROJECT_A}`, { token: TOKENS.admin, project: PROJECT_B });
    expect(adminList.body.verifications.map((v: any) => v.id)).toContain(verification.body.verification.id);
  });
});

describe('the adapter itself', () => {
  it('404s unknown routes and 405s wrong methods with an Allow header', async () => {
    expectFault(await api.request('GET', '/nothing-here'), 404, 'KTS_ERR_ROUTE_NOT_FOUND');
    const wrong = await api.request('DELETE', '/verifications');
    expectFault(wrong, 405, 'KTS_ERR_METHOD_NOT_ALLOWED');
    expect(wrong.headers.get('allow')).toBe('POST, GET');
    expect(wrong.body.badMethod).toBeDefined();
    expectFault(await api.request('PATCH', `/plans/${UNKNOWN}`), 405);
  });

  it('tolerates the double slash the client builds from a base URL ending in /', async () => {
    const response = await fetch(`${api.base()}//providers`, { headers: { 'X-Auth-Token': TOKENS.memberA } });
    expect(response.status).toBe(200);
  });

  it('rejects bad list parameters with 400 and a message naming them', async () => {
    for (const query of ['limit=abc', 'limit=0', 'sort=bogus:asc', 'sort=name:sideways', 'sort=name&sort_key=id', 'all_tenants=maybe', 'colour=red', 'marker=' + UNKNOWN]) {
      const response = await api.request('GET', `/plans?${query}`);
      expectFault(response, 400);
    }
    expectFault(await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints?start_date=yesterday`), 400);
    expectFault(await api.request('GET', `/protectables/${DIR}/instances?parameters=${encodeURIComponent("{'a': ")}`), 400);
    expectFault(await api.request('GET', `/protectables/${DIR}/instances?parameters=${encodeURIComponent('[1]')}`), 400);
  });

  it('caps limit at maxLimit instead of failing', async () => {
    expect((await api.request('GET', '/plans?limit=100000')).status).toBe(200);
  });

  it('conflicts are 409: verifying a checkpoint that is not available', async () => {
    const plan = await api.request('POST', '/plans', { body: { plan: { name: 'broken', provider_id: PROVIDER_ID, resources: [{ id: 'media', type: DIR, name: 'media' }] } } });
    const created = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { body: { checkpoint: { plan_id: plan.body.plan.id } } });
    const id = created.body.checkpoint.id;
    await api.service.settled(id);
    expect((await api.request('PUT', `/providers/${PROVIDER_ID}/checkpoints/${id}`, { body: { 'os-resetState': { state: 'error' } } })).status).toBe(200);
    const response = await api.request('POST', '/verifications', { body: { verification: { provider_id: PROVIDER_ID, checkpoint_id: id } } });
    expectFault(response, 409, 'KTS_ERR_CHECKPOINT_NOT_AVAILABLE');
    expect(response.body.conflictingRequest.message).toContain(id);
  });
});
