/**
 * What a demanding operator meets on a bad day: two copy requests at once, a destination bank
 * that is down, a main bank that is down, a plan with hundreds of resources, a reaper facing
 * an unreachable bank. No record may stay running, nothing may be copied twice, and a bank
 * outage must not be reported as "not found".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBank, createFsDriver, createMemoryDriver } from '../../src/bank/index.js';
import { createProtectionService, type ProtectionService } from '../../src/protection/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { createFaultyDriver } from '../../src/testing/index.js';
import { BLOB, blobPlugin } from '../fixtures/blob-plugin.js';

const me = { projectId: 'alice' };
const open: ProtectionService[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
});
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function setup(options: { main?: ReturnType<typeof createBank>; regionDriver?: ReturnType<typeof createFaultyDriver>; blobs?: Map<string, Buffer> } = {}) {
  const blobs = options.blobs ?? new Map([['b1', Buffer.from('one')], ['b2', Buffer.from('two')]]);
  const store = createMemoryStore();
  const main = options.main ?? createBank(createMemoryDriver());
  const regionDriver = options.regionDriver ?? createFaultyDriver(createMemoryDriver());
  const region = createBank(regionDriver);
  const service = await createProtectionService({ store, progressIntervalMs: 5, providers: [{ id: 'p', name: 'p', bank: main, destinations: { 'region-b': region }, plugins: [blobPlugin({ blobs })] }] });
  open.push(service);
  const resources = [...blobs.keys()].map((id) => ({ type: BLOB, id, name: id }));
  const plan = await service.plans.create(me, { name: 'p', providerId: 'p', resources });
  const protect = async () => {
    const checkpoint = await service.checkpoints.create(me, 'p', { planId: plan.id });
    await service.settled(checkpoint.id);
    return service.checkpoints.get(me, 'p', checkpoint.id);
  };
  return { service, store, main, region, regionDriver, plan, protect };
}

describe('robustness', () => {
  it('two copy requests at once never copy the same checkpoint twice', async () => {
    const { service, plan, protect } = await setup();
    const source = await protect();
    const [a, b] = await Promise.all([service.copies.create(me, { providerId: 'p', planId: plan.id }), service.copies.create(me, { providerId: 'p', planId: plan.id })]);
    expect([a.checkpoints.length, b.checkpoints.length].sort()).toEqual([0, 1]);
    await Promise.all([service.settled(a.id), service.settled(b.id)]);
    expect((await service.checkpoints.list(me, 'p', { bank: 'region-b' })).items).toHaveLength(1);
    expect((await service.checkpoints.get(me, 'p', source.id, 'main')).copiedTo?.['region-b']).toBeDefined();
  });

  it('a copy to a destination that is down ends in error with the reason; nothing stays running', async () => {
    const regionDriver = createFaultyDriver(createMemoryDriver());
    const { service, store, plan, protect } = await setup({ regionDriver });
    await protect();
    regionDriver.inject({ type: 'fail', operation: 'put' }, { type: 'fail', operation: 'head' }, { type: 'fail', operation: 'list' });
    const copy = await service.copies.create(me, { providerId: 'p', planId: plan.id });
    await service.settled(copy.id);
    const result = await service.copies.get(me, copy.id);
    expect(result.status).toBe('error');
    expect(result.checkpoints[0]).toMatchObject({ status: 'error', reason: expect.stringMatching(/.+/) });
    expect((await store.operationLogs.list({ filters: { status: 'in_progress' } })).items).toEqual([]);
    // The region is back: the next request copies the checkpoint.
    regionDriver.clear();
    const again = await service.copies.create(me, { providerId: 'p', planId: plan.id });
    expect(again.checkpoints).toHaveLength(1);
    await service.settled(again.id);
    expect((await service.copies.get(me, again.id)).status).toBe('finished');
  });

  it('a main bank that is down is reported as a bank error, not as a missing checkpoint', async () => {
    const mainDriver = createFaultyDriver(createMemoryDriver());
    const { service, protect } = await setup({ main: createBank(mainDriver) });
    const checkpoint = await protect();
    mainDriver.inject({ type: 'fail', operation: 'head' }, { type: 'fail', operation: 'get' });
    await expect(service.verifications.create(me, { providerId: 'p', checkpointId: checkpoint.id })).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
    await expect(service.checkpoints.get(me, 'p', checkpoint.id)).rejects.toMatchObject({ code: 'KTS_ERR_BANK_IO' });
  });

  it('protects a plan of 400 resources on a filesystem bank without losing a status write', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kts-scale-'));
    dirs.push(root);
    const blobs = new Map(Array.from({ length: 400 }, (_, i) => [`b${i}`, Buffer.from(`blob ${i}`)] as const));
    const { protect } = await setup({ main: createBank(createFsDriver({ root })), blobs });
    const checkpoint = await protect();
    expect(checkpoint.status).toBe('available');
    expect(Object.values(checkpoint.resources).filter((resource) => resource.status === 'available')).toHaveLength(400);
    expect(checkpoint.progress).toMatchObject({ resourcesDone: 400, resourcesTotal: 400 });
  }, 120_000);
});
