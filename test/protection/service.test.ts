import { afterEach, describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver, type Bank } from '../../src/bank/index.js';
import { silentLogger, type HookContext } from '../../src/index.js';
import { planGraph } from '../../src/protection/checkpoints.js';
import { createProtectionService, levelFor, Provider, type ProtectionService, type RequestContext } from '../../src/protection/index.js';
import { createMemoryStore, type Store } from '../../src/store/index.js';
import { BLOB, blobPlugin } from '../fixtures/blob-plugin.js';

const alice: RequestContext = { projectId: 'alice' };
const bob: RequestContext = { projectId: 'bob' };
const PROVIDER = 'prov-1';

interface Setup {
  service: ProtectionService;
  store: Store;
  main: Bank;
  region: Bank;
  blobs: Map<string, Buffer>;
}

const open: ProtectionService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
});

async function setup(options: { failOn?: (operation: string, ctx: HookContext) => boolean; copyGate?: (signal: AbortSignal) => Promise<void>; protectGate?: (signal: AbortSignal) => Promise<void>; ownerId?: string; shared?: Setup } = {}): Promise<Setup> {
  const blobs = options.shared?.blobs ?? new Map([['b1', Buffer.from('first blob')], ['b2', Buffer.from('second blob, longer')]]);
  const store = options.shared?.store ?? createMemoryStore();
  const main = options.shared?.main ?? createBank(createMemoryDriver());
  const region = options.shared?.region ?? createBank(createMemoryDriver());
  const service = await createProtectionService({
    store,
    ...(options.ownerId ? { ownerId: options.ownerId } : {}),
    progressIntervalMs: 5,
    providers: [{ id: PROVIDER, name: 'blobs', bank: main, destinations: { 'region-b': region }, plugins: [blobPlugin({ blobs, ...options })] }],
  });
  open.push(service);
  return { service, store, main, region, blobs };
}

/** Holds a hook until its signal aborts, then rejects with the reason (a hook that honours cancellation). */
const untilAborted = (signal: AbortSignal): Promise<void> => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

const resources = [
  { type: BLOB, id: 'b1', name: 'b1' },
  { type: BLOB, id: 'b2', name: 'b2' },
];

async function protect(service: ProtectionService, planId: string) {
  const checkpoint = await service.checkpoints.create(alice, PROVIDER, { planId });
  expect(checkpoint.status).toBe('protecting');
  await service.settled(checkpoint.id);
  return service.checkpoints.get(alice, PROVIDER, checkpoint.id);
}

describe('protection service: providers', () => {
  it('expose every plugin schema, verify and copy included, and the verification levels', async () => {
    const { service } = await setup();
    const provider = service.providers.get(PROVIDER);
    const info = provider.extendedInfoSchema();
    expect(Object.keys(info.optionsSchema)).toEqual([BLOB]);
    expect(info.verifySchema[BLOB]).toMatchObject({ properties: { strict: { type: 'boolean' } } });
    expect(info.copySchema[BLOB]).toBeDefined();
    expect(info.verificationLevels[BLOB]).toEqual(['presence', 'checksum', 'full']);
    expect(provider.destinationNames()).toEqual(['region-b']);
    expect(provider.destinationFor()).toBe('region-b');
    expect(() => service.providers.get('nope')).toThrow(expect.objectContaining({ code: 'KTS_ERR_PROVIDER_NOT_FOUND' }));
  });

  it('verify each resource at the strongest level its plugin offers up to the one requested', () => {
    const plugin = { verificationLevels: ['presence', 'full'] } as never;
    expect(levelFor(plugin, 'checksum')).toBe('presence');
    expect(levelFor(plugin, 'full')).toBe('full');
    expect(levelFor({ verificationLevels: ['checksum'] } as never, 'presence')).toBe('checksum');
  });
});

describe('protection service: the plan graph', () => {
  it('links plan resources a protectable reports as dependents, adds nothing outside the plan, and refuses on discovery errors', async () => {
    const blobs = new Map<string, Buffer>();
    const protectable = (fail: boolean) => ({
      name: 'blob-children',
      resourceType: BLOB,
      parentResourceTypes: [BLOB],
      listResources: async () => [],
      showResource: async (_ctx: unknown, id: string) => ({ type: BLOB, id }),
      getDependentResources: async (_ctx: unknown, parent: { id: string }) => {
        if (fail) throw new Error('cloud unreachable');
        return parent.id === 'b1' ? [{ type: BLOB, id: 'b2' }, { type: BLOB, id: 'not-in-plan' }] : [];
      },
    });
    const make = (fail: boolean) =>
      new Provider({ id: 'p', name: 'p', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs })], protectables: [protectable(fail)] });
    const graph = await planGraph(make(false), resources, { projectId: 'alice', logger: silentLogger });
    expect(graph.toJSON().edges).toEqual([[`${BLOB}#b1`, `${BLOB}#b2`]]);
    expect(graph.size).toBe(2);
    await expect(planGraph(make(true), resources, { projectId: 'alice', logger: silentLogger })).rejects.toMatchObject({
      code: 'KTS_ERR_PLUGIN_OPERATION_FAILED',
      message: expect.stringContaining('cloud unreachable'),
    });
  });
});

describe('protection service: plans', () => {
  it('creates plans checked against the provider plugins', async () => {
    const { service } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources, parameters: { [BLOB]: { tag: 'x' } } });
    expect(plan).toMatchObject({ status: 'suspended', projectId: 'alice', resources });
    await expect(service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources: [{ type: 'OS::Nova::Server', id: 's', name: 's' }] })).rejects.toMatchObject({ code: 'KTS_ERR_PLAN_INVALID' });
    await expect(service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources, parameters: { [BLOB]: { tag: 7 } } } as never)).rejects.toMatchObject({ code: 'KTS_ERR_PLAN_INVALID' });
    await expect(service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources, parameters: { 'Other::Type': {} } })).rejects.toMatchObject({ code: 'KTS_ERR_PLAN_INVALID' });
    await expect(service.plans.create(alice, { name: 'p', providerId: 'nope', resources })).rejects.toMatchObject({ code: 'KTS_ERR_PROVIDER_NOT_FOUND' });
    await expect(service.plans.create(alice, { name: '', providerId: PROVIDER, resources })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(service.plans.get(bob, plan.id)).rejects.toMatchObject({ code: 'KTS_ERR_PLAN_NOT_FOUND' });
    const updated = await service.plans.update(alice, plan.id, { name: 'renamed' });
    expect(updated.name).toBe('renamed');
    expect((await service.plans.list(alice)).items.map((p) => p.id)).toEqual([plan.id]);
    expect((await service.plans.list(bob)).items).toEqual([]);
  });
});

describe('protection service: protect, verify, copy, restore', () => {
  it('protects a plan into the main bank with per-resource status and an operation log', async () => {
    const { service } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoint = await protect(service, plan.id);
    expect(checkpoint.status).toBe('available');
    expect(checkpoint.resources).toEqual({ [`${BLOB}#b1`]: { status: 'available' }, [`${BLOB}#b2`]: { status: 'available' } });
    const logs = await service.operationLogs.list(alice, { filters: { checkpointId: checkpoint.id } });
    expect(logs.items.map((log) => [log.operationType, log.status])).toEqual([['protect', 'success']]);
    expect((await service.checkpoints.list(alice, PROVIDER)).items.map((cp) => cp.id)).toEqual([checkpoint.id]);
    await expect(service.checkpoints.get(bob, PROVIDER, checkpoint.id)).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
  });

  it('a failed protect ends the checkpoint in error with the reason, and the log in error', async () => {
    const { service } = await setup({ failOn: (op, ctx) => op === 'protect' && ctx.resource.id === 'b2' });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoint = await protect(service, plan.id);
    expect(checkpoint.status).toBe('error');
    expect(checkpoint.failure?.message).toContain('protect of b2 failed on purpose');
    expect(checkpoint.resources[`${BLOB}#b2`]).toMatchObject({ status: 'error', reason: expect.stringContaining('failed on purpose') });
    const [log] = (await service.operationLogs.list(alice, { filters: { checkpointId: checkpoint.id } })).items;
    expect(log).toMatchObject({ status: 'error', errorInfo: { message: expect.stringContaining('failed on purpose') } });
  });

  it('protect → copy → damage main → verify main (error) → verify copy (success) → restore from the copy', async () => {
    const { service, main, blobs } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoint = await protect(service, plan.id);

    const copy = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    expect(copy).toMatchObject({ status: 'wait_copying', destination: 'region-b', checkpoints: [{ sourceCheckpointId: checkpoint.id, status: 'wait_copying' }] });
    await service.settled(copy.id);
    const copied = await service.copies.get(alice, copy.id);
    expect(copied.status).toBe('finished');
    const copyId = copied.checkpoints[0]!.copyCheckpointId!;
    const copyCheckpoint = await service.checkpoints.get(alice, PROVIDER, copyId, 'region-b');
    expect(copyCheckpoint).toMatchObject({ status: 'available', copyOf: { checkpointId: checkpoint.id, copyId: copy.id }, extraInfo: { copy_status: 'finished' } });
    expect((await service.checkpoints.get(alice, PROVIDER, checkpoint.id)).copiedTo?.['region-b']?.checkpointId).toBe(copyId);

    // Damage one object of the main bank: same size, different bytes.
    const section = (await main.list({ prefix: `checkpoints/${checkpoint.id}/resources/` })).keys.find((key) => key.endsWith('/data'))!;
    const original = Buffer.from(await (await main.getObject(section)).toArray().then((chunks) => Buffer.concat(chunks)));
    const damaged = Buffer.from(original);
    damaged[0] = damaged[0]! ^ 0xff;
    await main.putObject(section, damaged);

    const verifyMain = await service.verifications.create(alice, { providerId: PROVIDER, checkpointId: checkpoint.id, level: 'checksum' });
    expect(verifyMain.status).toBe('verifying');
    await service.settled(verifyMain.id);
    const mainResult = await service.verifications.get(alice, verifyMain.id);
    expect(mainResult.status).toBe('error');
    const damagedKey = Object.entries(mainResult.resourcesStatus).find(([, status]) => status === 'error')![0];
    expect(mainResult.resourcesReason[damagedKey]).toContain('etag');
    expect(Object.values(mainResult.resourcesStatus).filter((status) => status === 'success')).toHaveLength(1);
    expect(mainResult.failure?.message).toContain(damagedKey);

    const verifyCopy = await service.verifications.create(alice, { providerId: PROVIDER, checkpointId: copyId, level: 'full' });
    await service.settled(verifyCopy.id);
    expect(await service.verifications.get(alice, verifyCopy.id)).toMatchObject({ status: 'success', bank: 'region-b' });

    const restore = await service.restores.create(alice, { providerId: PROVIDER, checkpointId: copyId, parameters: { [BLOB]: { suffix: '-back' } } });
    await service.settled(restore.id);
    expect(await service.restores.get(alice, restore.id)).toMatchObject({ status: 'success', bank: 'region-b' });
    expect(blobs.get('b1-back')).toEqual(blobs.get('b1'));
    expect(blobs.get('b2-back')).toEqual(blobs.get('b2'));
    const logs = await service.operationLogs.list(alice, { sortDir: 'asc' });
    expect(logs.items.map((log) => `${log.operationType}:${log.status}`)).toEqual(['protect:success', 'copy:success', 'verify:error', 'verify:success', 'restore:success']);
  });

  it('copying three checkpoints where the second fails: the others finish, and a repeat copies only the failed one', async () => {
    let failing: string | undefined;
    const { service } = await setup({ failOn: (op, ctx) => op === 'copy' && ctx.checkpoint.id === failing });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoints = [await protect(service, plan.id), await protect(service, plan.id), await protect(service, plan.id)];
    failing = checkpoints[1]!.id;
    const first = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id, destination: 'region-b' });
    await service.settled(first.id);
    const result = await service.copies.get(alice, first.id);
    expect(result.status).toBe('error');
    expect(result.checkpoints.map((pair) => [pair.sourceCheckpointId, pair.status])).toEqual([
      [checkpoints[0]!.id, 'finished'],
      [checkpoints[1]!.id, 'error'],
      [checkpoints[2]!.id, 'finished'],
    ]);
    expect(result.checkpoints[1]!.reason).toContain('failed on purpose');
    // The record carries the failure's code, not only the pair's reason.
    expect(result.failure?.code).toMatch(/^KTS_ERR_/);
    expect(result.failure?.message).toContain('failed on purpose');
    // The failed copy left nothing in the destination.
    const inRegion = await service.checkpoints.list(alice, PROVIDER, { bank: 'region-b' });
    expect(inRegion.items).toHaveLength(2);

    failing = undefined;
    const second = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    expect(second.checkpoints.map((pair) => pair.sourceCheckpointId)).toEqual([checkpoints[1]!.id]);
    await service.settled(second.id);
    expect((await service.copies.get(alice, second.id)).status).toBe('finished');
    const third = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    expect(third).toMatchObject({ status: 'finished', checkpoints: [] });
    expect((await service.checkpoints.list(alice, PROVIDER, { bank: 'region-b' })).items).toHaveLength(3);

    // Deleting a copy makes its source copyable to that destination again.
    const firstCopy = result.checkpoints[0]!.copyCheckpointId!;
    await service.checkpoints.delete(alice, PROVIDER, firstCopy, 'region-b');
    await service.settled(`delete-${firstCopy}`);
    expect((await service.checkpoints.get(alice, PROVIDER, checkpoints[0]!.id, 'main')).copiedTo).toEqual({});
    const fourth = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    expect(fourth.checkpoints.map((pair) => pair.sourceCheckpointId)).toEqual([checkpoints[0]!.id]);
    await service.settled(fourth.id);
  });
});

describe('protection service: checks before any record', () => {
  it('refuses another project\'s checkpoint as not found and bad parameters before writing', async () => {
    const { service, store } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoint = await protect(service, plan.id);
    await expect(service.verifications.create(bob, { providerId: PROVIDER, checkpointId: checkpoint.id })).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
    await expect(service.verifications.create(alice, { providerId: PROVIDER, checkpointId: checkpoint.id, parameters: { [BLOB]: { strict: 'yes' } } } as never)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(service.verifications.create(alice, { providerId: PROVIDER, checkpointId: checkpoint.id, parameters: { 'Nope::Type': {} } })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(service.verifications.create(alice, { providerId: PROVIDER, checkpointId: checkpoint.id, level: 'deep' } as never)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(service.verifications.create(alice, { providerId: 'nope', checkpointId: checkpoint.id })).rejects.toMatchObject({ code: 'KTS_ERR_PROVIDER_NOT_FOUND' });
    await expect(service.restores.create(bob, { providerId: PROVIDER, checkpointId: checkpoint.id })).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
    await expect(service.copies.create(bob, { providerId: PROVIDER, planId: plan.id })).rejects.toMatchObject({ code: 'KTS_ERR_PLAN_NOT_FOUND' });
    await expect(service.copies.create(alice, { providerId: PROVIDER, planId: plan.id, destination: 'mars' })).rejects.toMatchObject({ code: 'KTS_ERR_DESTINATION_NOT_FOUND' });
    expect((await store.verifications.list()).items).toEqual([]);
    expect((await store.restores.list()).items).toEqual([]);
    expect((await store.copies.list()).items).toEqual([]);
  });

  it('refuses deleting a checkpoint a running copy reads, then deletes it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { service, main } = await setup({ copyGate: () => gate });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const checkpoint = await protect(service, plan.id);
    const copy = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    await expect.poll(async () => (await service.copies.get(alice, copy.id)).status).toBe('copying');
    await expect(service.checkpoints.delete(alice, PROVIDER, checkpoint.id)).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_IN_USE' });
    release();
    await service.settled(copy.id);
    const deleting = await service.checkpoints.delete(alice, PROVIDER, checkpoint.id);
    expect(deleting.status).toBe('deleting');
    await service.settled(`delete-${checkpoint.id}`);
    await expect(service.checkpoints.get(alice, PROVIDER, checkpoint.id, 'main')).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
    expect((await main.list({ prefix: `checkpoints/${checkpoint.id}/` })).keys).toEqual(['checkpoints/' + checkpoint.id + '/index.json']);
    expect((await service.checkpoints.list(alice, PROVIDER)).items).toEqual([]);
  });
});

describe('protection service: cancellation and interrupted work', () => {
  it('reports progress of a protect while it runs and at the end', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { service, blobs } = await setup({ protectGate: () => gate });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const created = await service.checkpoints.create(alice, PROVIDER, { planId: plan.id });
    const totalBytes = [...blobs.values()].reduce((sum, blob) => sum + blob.length, 0);
    await expect.poll(async () => (await service.checkpoints.get(alice, PROVIDER, created.id)).progress?.bytesDone).toBe(totalBytes);
    expect((await service.checkpoints.get(alice, PROVIDER, created.id)).progress).toMatchObject({ resourcesDone: 0, resourcesTotal: 2, bytesTotal: totalBytes });
    release();
    await service.settled(created.id);
    expect((await service.checkpoints.get(alice, PROVIDER, created.id)).progress).toEqual({ resourcesDone: 2, resourcesTotal: 2, bytesDone: totalBytes, bytesTotal: totalBytes });
  });

  it('cancels a running protect: the checkpoint ends error with reason "cancelled"', async () => {
    const { service } = await setup({ protectGate: untilAborted });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const created = await service.checkpoints.create(alice, PROVIDER, { planId: plan.id });
    await expect.poll(async () => (await service.checkpoints.get(alice, PROVIDER, created.id)).progress?.bytesDone ?? 0).toBeGreaterThan(0);
    const cancelled = await service.checkpoints.cancel(alice, PROVIDER, created.id);
    expect(cancelled.status).toBe('error');
    expect(cancelled.failure?.message).toBe('cancelled');
    expect(Object.values(cancelled.resources).map((r) => r.status)).toEqual(['error', 'error']);
    await expect(service.checkpoints.cancel(alice, PROVIDER, created.id)).rejects.toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING' });
  });

  it('cancels a running copy: reverted, error "cancelled", nothing left in the destination', async () => {
    const { service, region } = await setup({ copyGate: untilAborted });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await protect(service, plan.id);
    const copy = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    await expect.poll(async () => (await service.copies.get(alice, copy.id)).checkpoints[0]?.status).toBe('copying');
    await expect(service.copies.cancel(bob, copy.id)).rejects.toMatchObject({ code: 'KTS_ERR_COPY_NOT_FOUND' });
    const cancelled = await service.copies.cancel(alice, copy.id);
    expect(cancelled.status).toBe('error');
    expect(cancelled.checkpoints[0]).toMatchObject({ status: 'error', reason: 'cancelled' });
    expect((await region.list({ prefix: 'checkpoints/' })).keys).toEqual([]);
    await expect(service.copies.cancel(alice, copy.id)).rejects.toMatchObject({ code: 'KTS_ERR_OPERATION_NOT_RUNNING' });
  }, 10_000);

  it('a restarted node reaps its previous incarnation\'s work at once: records error "interrupted", no orphan copy data', async () => {
    const first = await setup({ ownerId: 'node-a', copyGate: untilAborted });
    const plan = await first.service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await protect(first.service, plan.id);
    const copy = await first.service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    await expect.poll(async () => (await first.service.copies.get(alice, copy.id)).checkpoints[0]?.status).toBe('copying');
    expect((await first.region.list({ prefix: 'checkpoints/' })).keys.length).toBeGreaterThan(0);

    // The same node starts again (as after a crash), while the old incarnation never finishes.
    const second = await setup({ ownerId: 'node-a', shared: first });
    const reaped = await second.service.copies.get(alice, copy.id);
    expect(reaped.status).toBe('error');
    expect(reaped.checkpoints[0]).toMatchObject({ status: 'error', reason: 'interrupted' });
    expect((await first.region.list({ prefix: 'checkpoints/' })).keys).toEqual([]);
    const logs = await second.service.operationLogs.list(alice, { filters: { operationType: 'copy' } });
    expect(logs.items.map((log) => log.status)).toEqual(['error']);
    expect(logs.items[0]!.errorInfo?.message).toBe('interrupted');
  });
});
