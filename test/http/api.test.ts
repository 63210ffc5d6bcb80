/**
 * The Karbor v1 API end to end over real HTTP: plans, checkpoints (protect, show, list with
 * next links, reset-state, delete), verifications (both request forms), the copy action (both
 * forms) and copies, restores, operation logs, protectables, quotas, services, versions and the
 * OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_A, PROJECT_B, PROVIDER_ID, TOKENS, startHttpService, type HttpTestService } from '../helpers/http-service.js';

let api: HttpTestService;
beforeAll(async () => {
  api = await startHttpService();
});
afterAll(() => api.close());

const DIR = 'OS::Local::Directory';

async function poll(path: string, key: string, done: (record: any) => boolean): Promise<any> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { status, body } = await api.request('GET', path);
    expect(status).toBe(200);
    if (done(body[key])) return body[key];
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${path} never finished`);
}

async function createPlan(name: string, ids: string[] = ['docs']): Promise<any> {
  const { status, body } = await api.request('POST', '/plans', {
    body: { plan: { name, description: null, provider_id: PROVIDER_ID, resources: ids.map((id) => ({ id, type: DIR, name: id })), parameters: {} } },
  });
  expect(status).toBe(201);
  return body.plan;
}

async function protect(planId: string): Promise<any> {
  const { status, body } = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { body: { checkpoint: { plan_id: planId, 'extra-info': { created_by: 'test', flag: null } } } });
  expect(status).toBe(202);
  expect(body.checkpoint.status).toBe('protecting');
  return poll(`/providers/${PROVIDER_ID}/checkpoints/${body.checkpoint.id}`, 'checkpoint', (c) => c.status !== 'protecting');
}

describe('the Karbor v1 API', () => {
  it('serves versions at / (300) and an OpenAPI 3.1 document naming every route', async () => {
    const versions = await fetch(`${api.url}/`);
    expect(versions.status).toBe(300);
    expect(((await versions.json()) as any).versions[0].id).toBe('v1.0');
    const doc: any = await (await fetch(`${api.url}/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/{project_id}/verifications',
        '/v1/{project_id}/providers/{provider_id}/checkpoints/action',
        '/v1/{project_id}/copies/{copy_id}',
        '/v1/{project_id}/quotas/{target_project_id}/detail',
        '/v1/{project_id}/os-services/{service_id}',
      ]),
    );
    expect(doc.paths['/v1/{project_id}/verifications'].post.requestBody.content['application/json'].schema.required).toEqual(['verification']);
  });

  it('lists and shows providers with their schemas and destinations', async () => {
    const list = await api.request('GET', '/providers');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('application/json');
    expect(list.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    expect(list.body.providers.map((p: any) => p.id)).toEqual([PROVIDER_ID]);
    const show = await api.request('GET', `/providers/${PROVIDER_ID}`);
    expect(show.body.provider.destinations).toEqual(['region-b']);
    expect(Object.keys(show.body.provider.extended_info_schema)).toEqual(
      expect.arrayContaining(['options_schema', 'restore_schema', 'saved_info_schema', 'verify_schema', 'copy_schema']),
    );
    expect(show.body.provider.extended_info_schema.verify_schema[DIR]).toBeTypeOf('object');
  });

  it('creates, lists (with filters and next links), updates and deletes plans', async () => {
    const first = await createPlan('plan-one');
    const second = await createPlan('plan-two', ['media']);
    expect(first).toMatchObject({ name: 'plan-one', status: 'suspended', provider_id: PROVIDER_ID, project_id: PROJECT_A, description: '' });
    const page = await api.request('GET', '/plans?limit=1&sort=name:asc');
    expect(page.body.plans.map((p: any) => p.name)).toEqual(['plan-one']);
    const next = new URL(page.body.plans_links[0].href);
    expect(next.pathname).toBe(`/v1/${PROJECT_A}/plans`);
    expect(next.searchParams.get('sort')).toBe('name:asc');
    const rest = await fetch(next, { headers: { 'X-Auth-Token': TOKENS.memberA } }).then((r) => r.json() as Promise<any>);
    expect(rest.plans.map((p: any) => p.name)).toContain('plan-two');
    const filtered = await api.request('GET', '/plans?name=plan-two');
    expect(filtered.body.plans.map((p: any) => p.id)).toEqual([second.id]);
    await api.request('PUT', `/plans/${first.id}`, { body: { plan: { description: 'the first one' } } });
    const described = await api.request('GET', `/plans?description=${encodeURIComponent('the first one')}`);
    expect(described.body.plans.map((p: any) => p.id)).toEqual([first.id]);
    const updated = await api.request('PUT', `/plans/${second.id}`, { body: { plan: { name: 'renamed' } } });
    expect(updated.body.plan.name).toBe('renamed');
    expect((await api.request('DELETE', `/plans/${second.id}`)).status).toBe(204);
    expect((await api.request('GET', `/plans/${second.id}`)).status).toBe(404);
    // Another project sees nothing of project A's.
    expect((await api.request('GET', `/plans/${first.id}`, { token: TOKENS.memberB, project: PROJECT_B })).status).toBe(404);
    expect((await api.request('GET', '/plans', { token: TOKENS.memberB, project: PROJECT_B })).body.plans).toEqual([]);
  });

  it('protects, verifies (Karbor and seed forms), copies, restores and deletes through the API', async () => {
    const plan = await createPlan('story');
    const checkpoint = await protect(plan.id);
    expect(checkpoint.status).toBe('available');
    expect(checkpoint.protection_plan).toMatchObject({ id: plan.id, name: 'story' });
    expect(checkpoint.extra_info).toMatchObject({ created_by: 'test' });
    const graph = JSON.parse(checkpoint.resource_graph);
    expect(Object.values(graph[0])).toEqual([[DIR, 'docs', 'docs', {}]]);

    const listed = await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints?plan_id=${plan.id}`);
    expect(listed.body.checkpoints.map((c: any) => c.id)).toEqual([checkpoint.id]);

    // Karbor's single-object verification.
    const single = await api.request('POST', '/verifications', { body: { verification: { provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, parameters: {} } } });
    expect(single.status).toBe(202);
    const verified = await poll(`/verifications/${single.body.verification.id}`, 'verification', (v) => v.status !== 'verifying');
    expect(verified.status).toBe('success');
    expect(verified.resource_status).toEqual({ [`${DIR}#docs`]: 'success' });
    expect(verified.resources_status).toEqual(verified.resource_status);
    // The seed's list form.
    const seed = await api.request('POST', '/verifications', { body: { verification: [{ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, parameters: { [DIR]: {} } }] } });
    expect(seed.status).toBe(202);
    expect(seed.body.verification.checkpoint_id).toBe(checkpoint.id);

    // The copy action, seed form; then Karbor's single form is idempotent (nothing left to copy).
    const copy = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints/action`, {
      body: { copy: [{ provider_id: PROVIDER_ID, plan_id: plan.id, parameters: {} }] },
    });
    expect(copy.status).toBe(202);
    const copied = await poll(`/copies/${copy.body.copy.id}`, 'copy', (c) => !['wait_copying', 'copying'].includes(c.status));
    expect(copied.status).toBe('finished');
    expect(copied.checkpoints).toHaveLength(1);
    const copyCheckpointId = copied.checkpoints[0].copy_checkpoint_id;
    const again = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints/action`, { body: { copy: { plan_id: plan.id } } });
    const second = await poll(`/copies/${again.body.copy.id}`, 'copy', (c) => !['wait_copying', 'copying'].includes(c.status));
    expect(second.checkpoints).toEqual([]);
    const inDestination = await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints?bank=region-b`);
    expect(inDestination.body.checkpoints.map((c: any) => c.id)).toEqual([copyCheckpointId]);
    expect((await api.request('GET', '/copies')).body.copies.length).toBe(2);

    const target = join(api.data, '..', 'restored');
    const restore = await api.request('POST', '/restores', {
      body: { restore: { provider_id: PROVIDER_ID, checkpoint_id: copyCheckpointId, restore_target: null, restore_auth: null, parameters: { [DIR]: { target_path: target } } } },
    });
    expect([restore.status, restore.body.badRequest?.message]).toEqual([202, undefined]);
    const restored = await poll(`/restores/${restore.body.restore.id}`, 'restore', (r) => r.status === 'success' || r.status === 'fail');
    expect(restored.status).toBe('success');
    expect(restored).not.toHaveProperty('restore_auth');
    expect(readFileSync(join(target, 'a.txt'), 'utf8')).toBe('alpha\n');

    const logs = await api.request('GET', `/operation_logs?checkpoint_id=${checkpoint.id}`);
    expect(logs.body.operation_logs.map((l: any) => l.operation_type).sort()).toEqual(expect.arrayContaining(['protect', 'verify']));
    const log = await api.request('GET', `/operation_logs/${logs.body.operation_logs[0].id}`);
    expect(log.body.operation_log.id).toBe(logs.body.operation_logs[0].id);

    const reset = await api.request('PUT', `/providers/${PROVIDER_ID}/checkpoints/${checkpoint.id}`, { body: { 'os-resetState': { state: 'error' } } });
    expect(reset.status).toBe(200);
    expect(reset.body.checkpoint.status).toBe('error');
    const deleted = await api.request('DELETE', `/providers/${PROVIDER_ID}/checkpoints/${checkpoint.id}?bank=main`);
    expect(deleted.status).toBe(202);
    await api.service.settled(`delete-${checkpoint.id}`);
    expect((await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints/${checkpoint.id}?bank=main`)).status).toBe(404);
  });

  it('cancelling an operation that is not running is a 409', async () => {
    const plan = await createPlan('cancel');
    const checkpoint = await protect(plan.id);
    const response = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints/${checkpoint.id}/action`, { body: { cancel: {} } });
    expect(response.status).toBe(409);
    expect(response.body.conflictingRequest.error_code).toBe('KTS_ERR_OPERATION_NOT_RUNNING');
  });

  it('lists protectable types, instances with dependents and shows one (Python-repr parameters too)', async () => {
    expect((await api.request('GET', '/protectables')).body).toEqual({ protectable_type: [DIR] });
    expect((await api.request('GET', `/protectables/${DIR}`)).body.protectable_type).toEqual({ name: DIR, dependent_types: [] });
    const instances = await api.request('GET', `/protectables/${DIR}/instances?limit=1`);
    expect(instances.body.instances).toEqual([{ id: 'docs', type: DIR, name: 'docs', extra_info: expect.anything(), dependent_resources: [] }]);
    expect(new URL(instances.body.instances_links[0].href).pathname).toBe(`/v1/${PROJECT_A}/protectables/${DIR}/instances`);
    const shown = await api.request('GET', `/protectables/${DIR}/instances/media?parameters=${encodeURIComponent("{'x': None}")}`);
    expect([shown.status, shown.body.instance?.id ?? shown.body]).toEqual([200, 'media']);
  });

  it('shows and updates quotas (admin only) and enforces the plan quota with 413', async () => {
    const mine = await api.request('GET', `/quotas/${PROJECT_B}`, { token: TOKENS.memberB, project: PROJECT_B });
    expect(mine.body.quota).toEqual({ id: PROJECT_B, plans: 50, checkpoints: -1 });
    const denied = await api.request('PUT', `/quotas/${PROJECT_B}`, { token: TOKENS.memberB, project: PROJECT_B, body: { quota: { plans: 1 } } });
    expect(denied.status).toBe(403);
    const set = await api.request('PUT', `/quotas/${PROJECT_B}`, { token: TOKENS.admin, body: { quota: { plans: 1 } } });
    expect(set.body.quota).toMatchObject({ plans: 1 });
    const planB = { plan: { name: 'b', provider_id: PROVIDER_ID, resources: [{ id: 'docs', type: DIR, name: 'docs' }], parameters: {} } };
    expect((await api.request('POST', '/plans', { token: TOKENS.memberB, project: PROJECT_B, body: planB })).status).toBe(201);
    const over = await api.request('POST', '/plans', { token: TOKENS.memberB, project: PROJECT_B, body: planB });
    expect(over.status).toBe(413);
    expect(over.headers.get('retry-after')).toBeNull();
    expect(over.body.overLimit.error_code).toBe('KTS_ERR_QUOTA_EXCEEDED');
    const detail = await api.request('GET', `/quotas/${PROJECT_B}/detail`, { token: TOKENS.memberB, project: PROJECT_B });
    expect(detail.body.quota.plans).toEqual({ limit: 1, in_use: 1, reserved: 0 });
    const klass = await api.request('PUT', '/quota_classes/default', { token: TOKENS.admin, body: { quota_class: { checkpoints: 100 } } });
    expect(klass.body.quota_class).toMatchObject({ checkpoints: 100 });
    expect((await api.request('GET', `/quotas/${PROJECT_A}/defaults`)).body.quota).toMatchObject({ plans: 50, checkpoints: 100 });
  });

  it('lists services for admins and disables and enables this node', async () => {
    expect((await api.request('GET', '/os-services')).status).toBe(403);
    const list = await api.request('GET', '/os-services', { token: TOKENS.admin });
    expect(list.body.services).toEqual([expect.objectContaining({ binary: 'karbor-protection', host: 'http-test-node', status: 'enabled', state: 'up' })]);
    const id = list.body.services[0].id;
    const disabled = await api.request('PUT', `/os-services/${id}`, { token: TOKENS.admin, body: { status: 'disabled', disabled_reason: 'maintenance' } });
    expect(disabled.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    const plan = await createPlan('while-disabled');
    const refused = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { body: { checkpoint: { plan_id: plan.id } } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeNull();
    await api.request('PUT', `/os-services/${id}`, { token: TOKENS.admin, body: { status: 'enabled' } });
    expect((await protect(plan.id)).status).toBe('available');
  });
});
