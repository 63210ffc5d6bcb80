/**
 * The typed client against a running service (test/helpers/http-service.ts, with pages of 2):
 * every method, pagination across pages, waitFor with progress, cancellation and timeout, and
 * the error mapping (400, 401, 403, 404, 409, no answer, not an API answer). Every answer the
 * client receives is recorded, and the last test validates each against the response schema
 * the OpenAPI document publishes for its route — and checks that every route with a body was
 * exercised.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KarborClient,
  isFailed,
  isFrameworkError,
  type CheckpointView,
  type PlanView,
  type ProgressView,
} from '../../src/client/index.js';
import { API_ROUTES } from '../../src/http/routes/index.js';
import { PROJECT_A, PROJECT_B, PROVIDER_ID, TOKENS, startHttpService, type HttpTestService } from '../helpers/http-service.js';

const DIR = 'OS::Local::Directory';

interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
}

const exchanges: Exchange[] = [];

/** fetch that records every answer (status and parsed body) for the schema check. */
const recordingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  exchanges.push({ method: init?.method ?? 'GET', url: String(input), status: response.status, body });
  return response;
};

let api: HttpTestService;
let member: KarborClient;
let admin: KarborClient;
let openapi: { paths: unknown };

beforeAll(async () => {
  api = await startHttpService({ maxLimit: 2 });
  openapi = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: unknown };
  member = new KarborClient({ url: api.base(), token: TOKENS.memberA, fetch: recordingFetch });
  admin = new KarborClient({ url: api.base(), token: TOKENS.admin, fetch: recordingFetch });
});
afterAll(() => api?.close());

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A local HTTP server answering every request with `handler`. */
async function fakeServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function newPlan(name: string, ids: string[] = ['docs']): Promise<PlanView> {
  return member.createPlan({ name, provider_id: PROVIDER_ID, resources: ids.map((id) => ({ id, type: DIR, name: id })), parameters: {} });
}

async function protect(planId: string): Promise<CheckpointView> {
  const started = await member.createCheckpoint(PROVIDER_ID, { plan_id: planId });
  return member.waitFor('checkpoint', started.id, { providerId: PROVIDER_ID, intervalMs: 20, timeoutMs: 15_000 });
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('KarborClient', () => {
  it('takes the /v1/<project> base, or the service root with a project id', async () => {
    expect(await member.baseUrl()).toBe(api.base());
    const rooted = new KarborClient({ url: `${api.url}/`, projectId: PROJECT_A, token: TOKENS.memberA, fetch: recordingFetch });
    expect(await rooted.baseUrl()).toBe(api.base());
    expect((await rooted.getProvider(PROVIDER_ID)).id).toBe(PROVIDER_ID);
    expect(() => new KarborClient({ url: api.base() } as never)).toThrow(/exactly one of token, keystone or auth/);
    expect(() => new KarborClient({ url: 'ftp://x', token: 't' })).toThrow(/Invalid Karbor URL/);
    const noProject = new KarborClient({ url: api.url, token: TOKENS.memberA });
    expect(await rejection(noProject.listPlans())).toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
  });

  it('lists, iterates and shows providers', async () => {
    const page = await member.listProviders();
    expect(page.items.map((provider) => provider.id)).toEqual([PROVIDER_ID]);
    expect(page.next).toBeUndefined();
    const all = [];
    for await (const provider of member.iterateProviders({ name: 'local' })) all.push(provider);
    expect(all).toHaveLength(1);
    const provider = await member.getProvider(PROVIDER_ID);
    expect(provider.destinations).toEqual(['region-b']);
    expect(provider.extended_info_schema.verification_levels[DIR]).toEqual(expect.arrayContaining(['full']));
  });

  it('creates, pages through, iterates, updates and deletes plans', async () => {
    const created = [await newPlan('p-1'), await newPlan('p-2'), await newPlan('p-3', ['media'])];
    expect(created[0]).toMatchObject({ name: 'p-1', status: 'suspended', project_id: PROJECT_A });

    const first = await member.listPlans({ sort: 'name:asc' });
    expect(first.items.map((plan) => plan.name)).toEqual(['p-1', 'p-2']);
    expect(first.next).toMatch(/marker=/);
    expect(first.nextMarker).toBe(first.items[1]!.id);
    const second = await member.listPlans({ sort: 'name:asc', marker: first.nextMarker! });
    expect(second.items.map((plan) => plan.name)).toEqual(['p-3']);

    const names: string[] = [];
    for await (const plan of member.iteratePlans({ sort: 'name:asc' })) names.push(plan.name);
    expect(names).toEqual(['p-1', 'p-2', 'p-3']);
    const filtered: string[] = [];
    for await (const plan of member.iteratePlans({ name: 'p-2' })) filtered.push(plan.id);
    expect(filtered).toEqual([created[1]!.id]);

    expect(await member.getPlan(created[0]!.id)).toMatchObject({ id: created[0]!.id, resources: [{ id: 'docs', type: DIR, name: 'docs', extra_info: null }] });
    expect(await member.updatePlan(created[1]!.id, { description: 'second' })).toMatchObject({ description: 'second' });
    await member.deletePlan(created[2]!.id);
    expect(await rejection(member.getPlan(created[2]!.id))).toMatchObject({ code: 'KTS_ERR_PLAN_NOT_FOUND' });
  });

  it('protects with waitFor reporting progress, pages checkpoints, resets state, cancels (409) and deletes', async () => {
    const plan = await newPlan('cp', ['docs', 'media']);
    const started = await member.createCheckpoint(PROVIDER_ID, { plan_id: plan.id, 'extra-info': { created_by: 'client-test' } });
    expect(started.status).toBe('protecting');
    const seen: ProgressView[] = [];
    const done = await member.waitFor('checkpoint', started.id, { providerId: PROVIDER_ID, intervalMs: 10, onProgress: (progress) => seen.push(progress) });
    expect(done.status).toBe('available');
    expect(isFailed('checkpoint', done)).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ resources_done: 2, resources_total: 2, percent: 100 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes_done).toBeGreaterThanOrEqual(seen[i - 1]!.bytes_done);

    await protect(plan.id);
    await protect(plan.id);
    const page = await member.listCheckpoints(PROVIDER_ID, { plan_id: plan.id });
    expect(page.items).toHaveLength(2);
    expect(page.next).toBeDefined();
    const ids: string[] = [];
    for await (const checkpoint of member.iterateCheckpoints(PROVIDER_ID, { plan_id: plan.id })) ids.push(checkpoint.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain(done.id);

    expect((await member.getCheckpoint(PROVIDER_ID, done.id)).extra_info).toMatchObject({ created_by: 'client-test' });
    expect((await member.getCheckpoint(PROVIDER_ID, done.id, { bank: 'main' })).bank).toBe('main');
    expect((await member.resetCheckpointState(PROVIDER_ID, done.id, 'error')).status).toBe('error');
    expect((await member.resetCheckpointState(PROVIDER_ID, done.id, 'available', { bank: 'main' })).status).toBe('available');

    const notRunning = await rejection(member.cancelCheckpoint(PROVIDER_ID, done.id));
    expect(notRunning).toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING', kind: 'conflict', details: { status: 409 } });

    const deleting = await member.deleteCheckpoint(PROVIDER_ID, ids[0]!);
    expect(deleting.status).toBe('deleting');
    const deleted = await member.waitFor('checkpoint', ids[0]!, { providerId: PROVIDER_ID, deleting, intervalMs: 10 });
    expect(deleted).toMatchObject({ id: ids[0], status: 'deleted', progress: null });
    await api.service.settled(`delete-${ids[0]}`);
    expect(await rejection(member.getCheckpoint(PROVIDER_ID, ids[0]!, { bank: 'main' }))).toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
    // Without the delete's answer, a checkpoint that is not found is an error, not a deletion.
    expect(await rejection(member.waitFor('checkpoint', ids[0]!, { providerId: PROVIDER_ID, intervalMs: 10 }))).toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
  });

  it('copies (single and list forms), verifies (both forms), restores, and lists their records and operation logs', async () => {
    const plan = await newPlan('story');
    const checkpoint = await protect(plan.id);

    // The copy action, Karbor's single form, then the list form (nothing left to copy: finished at once).
    const copy = await member.copyCheckpoints(PROVIDER_ID, { plan_id: plan.id, destination: 'region-b' });
    expect(copy.status).toMatch(/wait_copying|copying/);
    const progress: ProgressView[] = [];
    const copied = await member.waitFor('copy', copy.id, { intervalMs: 10, onProgress: (p) => progress.push(p) });
    expect(copied.status).toBe('finished');
    expect(progress.at(-1)).toMatchObject({ percent: 100 });
    expect(copied.checkpoints).toEqual([expect.objectContaining({ source_checkpoint_id: checkpoint.id, status: 'finished' })]);
    const copyCheckpointId = copied.checkpoints[0]!.copy_checkpoint_id!;
    const again = await member.copyCheckpoints(PROVIDER_ID, [{ provider_id: PROVIDER_ID, plan_id: plan.id }]);
    expect(again).toHaveLength(1);
    expect((await member.waitFor('copy', again[0]!.id, { intervalMs: 10 })).checkpoints).toEqual([]);
    expect((await member.getCopy(copy.id)).id).toBe(copy.id);
    expect((await member.listCopies({ plan_id: plan.id })).items).toHaveLength(2);
    const copyIds: string[] = [];
    for await (const record of member.iterateCopies({ destination: 'region-b' })) copyIds.push(record.id);
    expect(copyIds).toEqual(expect.arrayContaining([copy.id, again[0]!.id]));
    expect(await rejection(member.cancelCopy(copy.id))).toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING', details: { status: 409 } });
    expect((await member.getCheckpoint(PROVIDER_ID, copyCheckpointId)).bank).toBe('region-b');
    expect((await member.listCheckpoints(PROVIDER_ID, { bank: 'region-b' })).items.map((c) => c.id)).toContain(copyCheckpointId);

    // Verifications: single form at a level, list form of two.
    const single = await member.createVerification({ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, level: 'full' });
    expect(single.status).toBe('verifying');
    const verified = await member.waitFor('verification', single.id, { intervalMs: 10 });
    expect(verified).toMatchObject({ status: 'success', level: 'full', resources_status: { [`${DIR}#docs`]: 'success' } });
    const pair = await member.createVerification([
      { provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id },
      { provider_id: PROVIDER_ID, checkpoint_id: copyCheckpointId, bank: 'region-b', level: 'presence' },
    ]);
    expect(pair.map((v) => v.checkpoint_id)).toEqual([checkpoint.id, copyCheckpointId]);
    for (const record of pair) expect((await member.waitFor('verification', record.id, { intervalMs: 10 })).status).toBe('success');
    expect((await member.getVerification(single.id)).id).toBe(single.id);
    expect((await member.listVerifications({ checkpoint_id: checkpoint.id })).items).toHaveLength(2);
    const verificationIds: string[] = [];
    for await (const record of member.iterateVerifications({ status: 'success' })) verificationIds.push(record.id);
    expect(verificationIds).toEqual(expect.arrayContaining([single.id, ...pair.map((v) => v.id)]));
    expect(await rejection(member.cancelVerification(single.id))).toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING' });

    // A restore from the copy.
    const restore = await member.createRestore({
      provider_id: PROVIDER_ID,
      checkpoint_id: copyCheckpointId,
      restore_target: null,
      parameters: { [DIR]: { target_path: `${api.data}/../restored-client` } },
    });
    const restored = await member.waitFor('restore', restore.id, { intervalMs: 10 });
    expect(restored).toMatchObject({ status: 'success', bank: 'region-b' });
    expect((await member.getRestore(restore.id)).status).toBe('success');
    expect((await member.listRestores({ checkpoint_id: copyCheckpointId })).items.map((r) => r.id)).toEqual([restore.id]);
    const restoreIds: string[] = [];
    for await (const record of member.iterateRestores()) restoreIds.push(record.id);
    expect(restoreIds).toContain(restore.id);
    expect(await rejection(member.cancelRestore(restore.id))).toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING' });

    // Operation logs of the checkpoint, across pages.
    const types: string[] = [];
    for await (const log of member.iterateOperationLogs({ checkpoint_id: checkpoint.id })) types.push(log.operation_type);
    expect(types).toEqual(expect.arrayContaining(['protect', 'copy', 'verify']));
    const logs = await member.listOperationLogs({ checkpoint_id: checkpoint.id });
    expect(logs.items).toHaveLength(2);
    expect((await member.getOperationLog(logs.items[0]!.id)).id).toBe(logs.items[0]!.id);
  });

  it('cancels running work: a protect, a copy, a verification and a restore', async () => {
    // A big file makes each run last long enough to be cancelled while it runs.
    const big = join(api.data, 'media', 'big.bin');
    writeFileSync(big, Buffer.alloc(96 * 1024 * 1024, 1));
    try {
      const plan = await newPlan('big', ['media']);
      const protecting = await member.createCheckpoint(PROVIDER_ID, { plan_id: plan.id });
      expect((await member.cancelCheckpoint(PROVIDER_ID, protecting.id)).id).toBe(protecting.id);
      const cancelledProtect = await member.waitFor('checkpoint', protecting.id, { providerId: PROVIDER_ID, intervalMs: 20 });
      expect(cancelledProtect.status).toBe('error');
      expect(isFailed('checkpoint', cancelledProtect)).toBe(true);

      const checkpoint = await protect(plan.id);
      expect(checkpoint.status).toBe('available');

      const copy = await member.copyCheckpoints(PROVIDER_ID, { plan_id: plan.id, destination: 'region-b' });
      expect((await member.cancelCopy(copy.id)).id).toBe(copy.id);
      expect((await member.waitFor('copy', copy.id, { intervalMs: 20 })).status).toBe('error');

      const verification = await member.createVerification({ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, level: 'full' });
      expect((await member.cancelVerification(verification.id)).id).toBe(verification.id);
      const cancelledVerification = await member.waitFor('verification', verification.id, { intervalMs: 20 });
      expect(cancelledVerification.status).toBe('error');
      expect(cancelledVerification.error).toMatch(/KTS_ERR_CANCELLED/);

      const restore = await member.createRestore({ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, parameters: { [DIR]: { target_path: join(api.data, '..', 'restored-big') } } });
      expect((await member.cancelRestore(restore.id)).id).toBe(restore.id);
      expect((await member.waitFor('restore', restore.id, { intervalMs: 20 })).status).toBe('fail');
    } finally {
      rmSync(big, { force: true });
    }
  }, 120_000);

  it('lists protectable types and instances (paged) and shows one with parameters', async () => {
    expect(await member.listProtectableTypes()).toEqual([DIR]);
    expect(await member.getProtectableType(DIR)).toEqual({ name: DIR, dependent_types: [] });
    const page = await member.listProtectableInstances(DIR, { limit: 1 });
    expect(page.items.map((instance) => instance.id)).toEqual(['docs']);
    expect(page.nextMarker).toBe('docs');
    const ids: string[] = [];
    for await (const instance of member.iterateProtectableInstances(DIR, { limit: 1 })) ids.push(instance.id);
    expect(ids).toEqual(['docs', 'media']);
    expect(await member.getProtectableInstance(DIR, 'media', { parameters: { x: null } })).toMatchObject({ id: 'media', type: DIR, dependent_resources: [] });
  });

  it('shows, updates and deletes quotas and quota classes (admin)', async () => {
    const memberB = new KarborClient({ url: api.base(PROJECT_B), token: TOKENS.memberB, fetch: recordingFetch });
    expect(await memberB.getQuota(PROJECT_B)).toEqual({ id: PROJECT_B, plans: 50, checkpoints: -1 });
    expect(await memberB.getQuotaDefaults(PROJECT_B)).toMatchObject({ id: PROJECT_B, plans: 50 });
    expect(await admin.updateQuota(PROJECT_B, { plans: 7 })).toEqual({ plans: 7, checkpoints: -1 });
    expect(await memberB.getQuotaDetail(PROJECT_B)).toEqual({ id: PROJECT_B, plans: { limit: 7, in_use: 0, reserved: 0 }, checkpoints: { limit: -1, in_use: 0, reserved: 0 } });
    await admin.deleteQuota(PROJECT_B);
    expect((await memberB.getQuota(PROJECT_B)).plans).toBe(50);
    expect(await admin.getQuotaClass('default')).toMatchObject({ id: 'default', plans: 50 });
    expect(await admin.updateQuotaClass('default', { checkpoints: 1000 })).toEqual({ plans: 50, checkpoints: 1000 });
  });

  it('lists services and disables and enables a node (admin)', async () => {
    const [node] = await admin.listServices({ binary: 'karbor-protection' });
    expect(node).toMatchObject({ host: 'http-test-node', status: 'enabled', state: 'up' });
    expect(await admin.updateService(node!.id, { status: 'disabled', disabled_reason: 'maintenance' })).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance' });
    expect((await admin.updateService(node!.id, { status: 'enabled' })).status).toBe('enabled');
  });
});

describe('errors', () => {
  it('400: a schema violation or a bad query, with the server\'s code and details', async () => {
    const error = await rejection(member.createPlan({ name: 'x', provider_id: PROVIDER_ID, resources: [] }));
    expect(isFrameworkError(error, 'KTS_ERR_VALIDATION')).toBe(true);
    expect(error.name).toBe('ValidationError');
    expect(error.details).toMatchObject({ status: 400, requestId: expect.stringMatching(/^req-/), errors: expect.any(Array) });
    expect(await rejection(member.listPlans({ sort: 'color' }))).toMatchObject({ code: 'KTS_ERR_VALIDATION', message: expect.stringContaining('Cannot sort on "color"') });
  });

  it('401: an unknown token (a static token is not retried)', async () => {
    const stranger = new KarborClient({ url: api.base(), token: 'not-a-token-0123456789abcdef' });
    const error = await rejection(stranger.listPlans());
    expect(error).toMatchObject({ code: 'KTS_ERR_UNAUTHORIZED', kind: 'unauthorized', name: 'AuthenticationError', details: { status: 401 } });
  });

  it('403: the policy, or another project\'s URL', async () => {
    expect(await rejection(member.listServices())).toMatchObject({ code: 'KTS_ERR_FORBIDDEN', details: { status: 403, action: 'service:get_all' } });
    const elsewhere = new KarborClient({ url: api.base(PROJECT_B), token: TOKENS.memberA });
    expect(await rejection(elsewhere.listPlans())).toMatchObject({ code: 'KTS_ERR_FORBIDDEN', details: { status: 403 } });
  });

  it('404: named records that do not exist', async () => {
    const error = await rejection(member.getVerification('00000000-0000-4000-8000-000000000000'));
    expect(error).toMatchObject({ code: 'KTS_ERR_VERIFICATION_NOT_FOUND', kind: 'not_found', name: 'NotFoundError', details: { status: 404 } });
    expect(error.message).toContain('00000000-0000-4000-8000-000000000000');
    expect(await rejection(member.getProvider('nope'))).toMatchObject({ code: 'KTS_ERR_PROVIDER_NOT_FOUND' });
  });

  it('409: a conflict (cancelling work that is not running)', async () => {
    const plan = await newPlan('conflict');
    const checkpoint = await protect(plan.id);
    const error = await rejection(member.cancelCheckpoint(PROVIDER_ID, checkpoint.id));
    expect(error).toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING', kind: 'conflict', name: 'ConflictError', details: { status: 409 } });
  });

  it('a port nobody listens on is KTS_ERR_API_UNREACHABLE', async () => {
    const closed = await fakeServer(() => {});
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await rejection(new KarborClient({ url: `${closed}/v1/${PROJECT_A}`, token: 't' }).listPlans());
    expect(error).toMatchObject({ code: 'KTS_ERR_API_UNREACHABLE', retryable: true, details: { method: 'GET' } });
    expect(error.message).toMatch(/could not be reached.*ECONNREFUSED/);
  });

  it('a server that does not answer in time is KTS_ERR_TIMEOUT; an HTML error page is KTS_ERR_API_RESPONSE_INVALID', async () => {
    const silent = await fakeServer(() => {});
    const slow = new KarborClient({ url: `${silent}/v1/${PROJECT_A}`, token: 't', timeoutMs: 100 });
    expect(await rejection(slow.listPlans())).toMatchObject({ code: 'KTS_ERR_TIMEOUT', details: { timeoutMs: 100 } });
    const proxy = await fakeServer((_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html', 'X-OpenStack-Request-ID': 'req-proxy' });
      response.end('<html><body>Bad Gateway</body></html>');
    });
    const error = await rejection(new KarborClient({ url: `${proxy}/v1/${PROJECT_A}`, token: 't' }).getPlan('x'));
    expect(error).toMatchObject({ code: 'KTS_ERR_API_RESPONSE_INVALID', details: { status: 502, requestId: 'req-proxy', body: expect.stringContaining('Bad Gateway') } });
  });

  it('an aborted call is KTS_ERR_CANCELLED', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await rejection(member.listPlans({}, { signal: controller.signal }))).toMatchObject({ code: 'KTS_ERR_CANCELLED' });
  });
});

describe('waitFor', () => {
  /** A client whose GETs of records take `delayMs` (the server itself is real). */
  const delayed = (delayMs: number) =>
    new KarborClient({
      url: api.base(),
      token: TOKENS.memberA,
      fetch: async (input, init) => {
        if ((init?.method ?? 'GET') === 'GET') await new Promise((resolve) => setTimeout(resolve, delayMs));
        return recordingFetch(input, init);
      },
    });

  it('is cancelled by its signal at once (the operation keeps running)', async () => {
    const plan = await newPlan('wait-cancel');
    const started = await member.createCheckpoint(PROVIDER_ID, { plan_id: plan.id });
    const controller = new AbortController();
    const progress: ProgressView[] = [];
    const began = Date.now();
    const waiting = delayed(2_000).waitFor('checkpoint', started.id, { providerId: PROVIDER_ID, signal: controller.signal, onProgress: (p) => progress.push(p) });
    setTimeout(() => controller.abort(new Error('operator pressed ^C')), 50);
    const error = await rejection(waiting);
    expect(Date.now() - began).toBeLessThan(1_500);
    expect(error).toMatchObject({ code: 'KTS_ERR_CANCELLED', name: 'CancelledError' });
    expect(error.message).toMatch(/keeps running/);
    expect(progress).toEqual([]);
    // The protect was not cancelled by the wait.
    expect((await member.waitFor('checkpoint', started.id, { providerId: PROVIDER_ID, intervalMs: 20 })).status).toBe('available');
  });

  it('is cancelled between polls too, and an already-aborted signal never polls', async () => {
    const plan = await newPlan('wait-cancel-2');
    const checkpoint = await protect(plan.id);
    const verification = await member.createVerification({ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id });
    const aborted = AbortSignal.abort();
    const polled: unknown[] = [];
    expect(await rejection(member.waitFor('verification', verification.id, { signal: aborted, onPoll: (record) => polled.push(record) }))).toMatchObject({ code: 'KTS_ERR_CANCELLED' });
    expect(polled).toEqual([]);
    await member.waitFor('verification', verification.id, { intervalMs: 10 });
  });

  it('times out with KTS_ERR_TIMEOUT naming the last status', async () => {
    const plan = await newPlan('wait-timeout');
    const checkpoint = await protect(plan.id);
    const verification = await member.createVerification({ provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id });
    const error = await rejection(delayed(1_000).waitFor('verification', verification.id, { timeoutMs: 100 }));
    expect(error).toMatchObject({ code: 'KTS_ERR_TIMEOUT', details: { timeoutMs: 100 } });
    await member.waitFor('verification', verification.id, { intervalMs: 10 });
  });

  it('needs the provider of a checkpoint', async () => {
    expect(await rejection(member.waitFor('checkpoint', 'x', {} as never))).toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
  });
});

describe('the response schemas', () => {
  it('describe every answer the client received, and every route with a body was exercised', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validators = new Map<object, ReturnType<typeof ajv.compile>>();
    const routes = API_ROUTES.map((route) => ({
      route,
      pattern: new RegExp(`^/v1/[^/]+${route.path.replace(/:\w+/g, '[^/]+')}$`),
      params: (route.path.match(/:/g) ?? []).length,
    })).sort((a, b) => a.params - b.params);
    const covered = new Set<string>();
    const failures: string[] = [];
    const checked = { count: 0 };
    const openapiPaths = openapi.paths as Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: object } } }> }>>;
    for (const exchange of exchanges) {
      if (exchange.status < 200 || exchange.status > 299) continue;
      const url = new URL(exchange.url);
      const match = routes.find((candidate) => candidate.route.method === exchange.method && candidate.pattern.test(url.pathname));
      expect(match, `${exchange.method} ${url.pathname} matches a route`).toBeDefined();
      const route = match!.route;
      const key = `${route.method} ${route.path}`;
      covered.add(key);
      const docPath = `/v1/{project_id}${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const response = openapiPaths[docPath]![route.method.toLowerCase()]!.responses[String(exchange.status)];
      expect(response, `${key} documents status ${exchange.status}`).toBeDefined();
      const schema = response!.content?.['application/json'].schema;
      if (!schema) {
        expect(exchange.body, `${key} answers no body`).toBeUndefined();
        continue;
      }
      const validate = validators.get(schema) ?? ajv.compile(schema);
      validators.set(schema, validate);
      checked.count += 1;
      if (!validate(exchange.body)) failures.push(`${key}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(failures).toEqual([]);
    expect(checked.count).toBeGreaterThan(50);
    const withBody = API_ROUTES.filter((route) => route.responseKey !== undefined).map((route) => `${route.method} ${route.path}`);
    expect(withBody.filter((key) => !covered.has(key))).toEqual([]);
    const all = API_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(all.filter((key) => !covered.has(key))).toEqual([]);
  });
});
