/**
 * Quotas through the library API, on the memory and SQLite stores: the three layers of limits
 * (built-in, `default` class, project), validation, who may read and change them, and
 * enforcement on plan and checkpoint creates — concurrent creates included, checkpoints
 * counted in every bank of the provider from index keys alone, and room reserved for copies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver, type Bank, type BankDriver } from '../../src/bank/index.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../../src/protection/index.js';
import type { Store } from '../../src/store/index.js';
import { BLOB, blobPlugin } from '../fixtures/blob-plugin.js';
import { STORE_KINDS } from './store-kinds.js';

const alice: RequestContext = { projectId: 'alice' };
const bob: RequestContext = { projectId: 'bob' };
const admin: RequestContext = { projectId: 'ops', isAdmin: true };
const PROVIDER = 'prov-1';
const resources = [{ type: BLOB, id: 'b1', name: 'b1' }];

/** A driver that counts the object reads (documents included) going through it. */
function countingDriver(driver: BankDriver): { driver: BankDriver; reads: () => number } {
  let reads = 0;
  return {
    reads: () => reads,
    driver: {
      name: driver.name,
      capabilities: driver.capabilities,
      put: (key, body, options) => driver.put(key, body, options),
      get: (key, options) => {
        reads++;
        return driver.get(key, options);
      },
      head: (key) => {
        reads++;
        return driver.head(key);
      },
      list: (options) => driver.list(options),
      delete: (key) => driver.delete(key),
      ...(driver.leases ? { leases: driver.leases } : {}),
    },
  };
}

describe.each(STORE_KINDS)('quotas on the $name store', (kind) => {
  const open: ProtectionService[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((service) => service.close()));
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  async function setup(options: { quotaDefaults?: { plans?: number; checkpoints?: number }; copyGate?: (signal: AbortSignal) => Promise<void> } = {}) {
    const store = await kind.create();
    stores.push(store);
    const main = countingDriver(createMemoryDriver());
    const region: Bank = createBank(createMemoryDriver());
    const service = await createProtectionService({
      store,
      progressIntervalMs: 5,
      ...(options.quotaDefaults ? { quotaDefaults: options.quotaDefaults } : {}),
      providers: [{ id: PROVIDER, name: 'blobs', bank: createBank(main.driver), destinations: { 'region-b': region }, plugins: [blobPlugin({ blobs: new Map([['b1', Buffer.from('blob one')]]), ...(options.copyGate ? { copyGate: options.copyGate } : {}) })] }],
    });
    open.push(service);
    const protect = async (context: RequestContext, planId: string) => {
      const checkpoint = await service.checkpoints.create(context, PROVIDER, { planId });
      await service.settled(checkpoint.id);
      return service.checkpoints.get(context, PROVIDER, checkpoint.id);
    };
    return { service, store, mainReads: main.reads, protect };
  }

  it("starts from Karbor's defaults: 50 plans, unlimited checkpoints, nothing in use", async () => {
    const { service } = await setup();
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 50, checkpoints: -1 });
    expect(await service.quotas.defaults(alice)).toEqual({ plans: 50, checkpoints: -1 });
    expect(await service.quotas.getClass(alice, 'gold')).toEqual({ plans: 50, checkpoints: -1 });
    expect(await service.quotas.detail(alice, 'alice')).toEqual({
      plans: { limit: 50, inUse: 0, reserved: 0 },
      checkpoints: { limit: -1, inUse: 0, reserved: 0 },
    });
  });

  it('takes its built-in defaults from the options, checked', async () => {
    const { service } = await setup({ quotaDefaults: { checkpoints: 10 } });
    expect(await service.quotas.defaults(alice)).toEqual({ plans: 50, checkpoints: 10 });
    await expect(setup({ quotaDefaults: { plans: -5 } })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
  });

  it('layers limits: the default class over the built-in ones, a project over the default class, a named class over both', async () => {
    const { service } = await setup();
    expect(await service.quotas.updateClass(admin, 'default', { plans: 3 })).toEqual({ plans: 3, checkpoints: -1 });
    expect(await service.quotas.defaults(bob)).toEqual({ plans: 3, checkpoints: -1 });
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 3, checkpoints: -1 });

    expect(await service.quotas.update(admin, 'alice', { checkpoints: 2 })).toEqual({ plans: 3, checkpoints: 2 });
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 3, checkpoints: 2 });
    expect(await service.quotas.get(bob, 'bob')).toEqual({ plans: 3, checkpoints: -1 });

    // The project keeps only what was set on it: a later change of the class shows through.
    await service.quotas.updateClass(admin, 'default', { plans: 7, checkpoints: 100 });
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 7, checkpoints: 2 });
    expect(await service.quotas.update(admin, 'alice', { plans: -1 })).toEqual({ plans: -1, checkpoints: 2 });

    expect(await service.quotas.updateClass(admin, 'gold', { plans: 1000 })).toEqual({ plans: 1000, checkpoints: 100 });
    expect(await service.quotas.getClass(bob, 'gold')).toEqual({ plans: 1000, checkpoints: 100 });
    expect(await service.quotas.defaults(bob)).toEqual({ plans: 7, checkpoints: 100 });

    await service.quotas.delete(admin, 'alice');
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 7, checkpoints: 100 });
    await service.quotas.delete(admin, 'alice');
  });

  it('refuses limits below -1, non-integers, unknown resources and malformed changes, changing nothing', async () => {
    const { service } = await setup();
    await service.quotas.update(admin, 'alice', { plans: 5 });
    const bad: unknown[] = [{ plans: -2 }, { plans: 1.5 }, { checkpoints: '10' }, { plans: Number.NaN }, { plans: 2 ** 31 }, { volumes: 3 }, null, [1], 'plans'];
    for (const changes of bad) {
      await expect(service.quotas.update(admin, 'alice', changes as never), JSON.stringify(changes)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
      await expect(service.quotas.updateClass(admin, 'default', changes as never)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    }
    await expect(service.quotas.update(admin, '', { plans: 1 })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(service.quotas.getClass(admin, '')).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 5, checkpoints: -1 });
    expect(await service.quotas.defaults(alice)).toEqual({ plans: 50, checkpoints: -1 });
    // 0 and -1 are valid: nothing allowed, and unlimited.
    expect(await service.quotas.update(admin, 'alice', { plans: 0, checkpoints: -1 })).toEqual({ plans: 0, checkpoints: -1 });
  });

  it("lets a project read only its own quotas, and only admins change any", async () => {
    const { service } = await setup();
    for (const attempt of [service.quotas.get(alice, 'bob'), service.quotas.detail(alice, 'bob')]) {
      await expect(attempt).rejects.toMatchObject({ code: 'KTS_ERR_FORBIDDEN', kind: 'forbidden', name: 'ForbiddenError' });
    }
    expect(await service.quotas.get(admin, 'bob')).toEqual({ plans: 50, checkpoints: -1 });
    expect((await service.quotas.detail(admin, 'bob')).plans.limit).toBe(50);
    for (const attempt of [
      service.quotas.update(alice, 'alice', { plans: 500 }),
      service.quotas.delete(alice, 'alice'),
      service.quotas.updateClass(alice, 'default', { plans: 500 }),
    ]) {
      await expect(attempt).rejects.toMatchObject({ code: 'KTS_ERR_FORBIDDEN' });
    }
    expect(await service.quotas.get(alice, 'alice')).toEqual({ plans: 50, checkpoints: -1 });
  });

  it('refuses a plan beyond the quota with resource, limit and in-use, per project, and accepts again after a delete', async () => {
    const { service } = await setup();
    await service.quotas.update(admin, 'alice', { plans: 2 });
    const first = await service.plans.create(alice, { name: 'one', providerId: PROVIDER, resources });
    await service.plans.create(alice, { name: 'two', providerId: PROVIDER, resources });
    const refused = service.plans.create(alice, { name: 'three', providerId: PROVIDER, resources });
    await expect(refused).rejects.toMatchObject({ code: 'KTS_ERR_QUOTA_EXCEEDED', kind: 'limit', name: 'LimitError', details: { resource: 'plans', limit: 2, inUse: 2 } });
    expect((await service.plans.list(alice)).items).toHaveLength(2);
    expect((await service.quotas.detail(alice, 'alice')).plans).toEqual({ limit: 2, inUse: 2, reserved: 0 });
    // Another project has its own count.
    await service.plans.create(bob, { name: 'bob', providerId: PROVIDER, resources });
    await service.plans.delete(alice, first.id);
    await service.plans.create(alice, { name: 'three', providerId: PROVIDER, resources });
    // A limit of 0 refuses every create; lowering below the use only stops new ones.
    await service.quotas.update(admin, 'alice', { plans: 0 });
    await expect(service.plans.create(alice, { name: 'four', providerId: PROVIDER, resources })).rejects.toMatchObject({ details: { limit: 0, inUse: 2 } });
    expect((await service.plans.list(alice)).items).toHaveLength(2);
  });

  it('lets exactly as many concurrent plan creates through as the quota has room for', async () => {
    const { service, store } = await setup();
    await service.quotas.update(admin, 'alice', { plans: 3 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => service.plans.create(alice, { name: `p${i}`, providerId: PROVIDER, resources })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    const refusals = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refusals.map((result) => (result.reason as { code: string }).code)).toEqual(Array(7).fill('KTS_ERR_QUOTA_EXCEEDED'));
    expect((await store.plans.list({ projectId: 'alice' })).items).toHaveLength(3);
  });

  it('refuses a checkpoint beyond the quota before writing anything, and counts a deleted one no more', async () => {
    const { service, protect } = await setup();
    await service.quotas.update(admin, 'alice', { checkpoints: 2 });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const first = await protect(alice, plan.id);
    await protect(alice, plan.id);
    const logsBefore = (await service.operationLogs.list(alice)).items.length;
    await expect(service.checkpoints.create(alice, PROVIDER, { planId: plan.id })).rejects.toMatchObject({
      code: 'KTS_ERR_QUOTA_EXCEEDED',
      details: { resource: 'checkpoints', limit: 2, inUse: 2 },
    });
    expect((await service.checkpoints.list(alice, PROVIDER)).items).toHaveLength(2);
    expect((await service.operationLogs.list(alice)).items).toHaveLength(logsBefore);

    await service.checkpoints.delete(alice, PROVIDER, first.id);
    await service.settled(`delete-${first.id}`);
    expect((await service.quotas.detail(alice, 'alice')).checkpoints).toEqual({ limit: 2, inUse: 1, reserved: 0 });
    expect((await protect(alice, plan.id)).status).toBe('available');
  });

  it('counts checkpoints in every bank of the provider (copies too) from the index keys, without reading a document', async () => {
    const { service, protect, mainReads } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await protect(alice, plan.id);
    await protect(alice, plan.id);
    const copy = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    await service.settled(copy.id);
    expect((await service.copies.get(alice, copy.id)).status).toBe('finished');
    const readsBefore = mainReads();
    expect((await service.quotas.detail(alice, 'alice')).checkpoints).toEqual({ limit: -1, inUse: 4, reserved: 0 });
    expect(mainReads()).toBe(readsBefore);
    expect((await service.quotas.detail(bob, 'bob')).checkpoints.inUse).toBe(0);
    await service.quotas.update(admin, 'alice', { checkpoints: 4 });
    await expect(service.checkpoints.create(alice, PROVIDER, { planId: plan.id })).rejects.toMatchObject({ details: { resource: 'checkpoints', limit: 4, inUse: 4 } });
  });

  it('refuses a copy whose copy checkpoints would not fit, writing no record', async () => {
    const { service, protect } = await setup();
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await protect(alice, plan.id);
    await protect(alice, plan.id);
    await service.quotas.update(admin, 'alice', { checkpoints: 3 });
    await expect(service.copies.create(alice, { providerId: PROVIDER, planId: plan.id })).rejects.toMatchObject({
      code: 'KTS_ERR_QUOTA_EXCEEDED',
      details: { resource: 'checkpoints', limit: 3, inUse: 2, requested: 2 },
    });
    expect((await service.copies.list(alice)).items).toEqual([]);
    expect((await service.quotas.detail(alice, 'alice')).checkpoints).toEqual({ limit: 3, inUse: 2, reserved: 0 });
  });

  it('holds room for a running copy, so a checkpoint create cannot take it, and gives it back as the copy goes', async () => {
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { service, protect } = await setup({
      copyGate: async () => {
        reached();
        await gate;
      },
    });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await protect(alice, plan.id);
    await protect(alice, plan.id);
    await service.quotas.update(admin, 'alice', { checkpoints: 4 });
    const copy = await service.copies.create(alice, { providerId: PROVIDER, planId: plan.id });
    await atGate;
    // The first copy checkpoint exists (it counts); room for the second is still held.
    expect((await service.quotas.detail(alice, 'alice')).checkpoints).toEqual({ limit: 4, inUse: 3, reserved: 1 });
    await expect(service.checkpoints.create(alice, PROVIDER, { planId: plan.id })).rejects.toMatchObject({
      code: 'KTS_ERR_QUOTA_EXCEEDED',
      details: { resource: 'checkpoints', limit: 4, inUse: 3, reserved: 1 },
    });
    release();
    await service.settled(copy.id);
    expect((await service.copies.get(alice, copy.id)).status).toBe('finished');
    expect((await service.quotas.detail(alice, 'alice')).checkpoints).toEqual({ limit: 4, inUse: 4, reserved: 0 });
  });

  it('lets exactly as many concurrent checkpoint creates through as the quota has room for', async () => {
    const { service } = await setup();
    await service.quotas.update(admin, 'alice', { checkpoints: 3 });
    const plan = await service.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => service.checkpoints.create(alice, PROVIDER, { planId: plan.id })));
    const created = results.filter((result) => result.status === 'fulfilled');
    expect(created).toHaveLength(3);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'KTS_ERR_QUOTA_EXCEEDED' });
    await Promise.all(created.map((result) => service.settled((result as PromiseFulfilledResult<{ id: string }>).value.id)));
    expect((await service.checkpoints.list(alice, PROVIDER)).items.map((checkpoint) => checkpoint.status)).toEqual(['available', 'available', 'available']);
  });

  it('keeps quotas in the store: a service restarted on it sees them', async () => {
    const { service, store } = await setup();
    await service.quotas.update(admin, 'alice', { plans: 9 });
    await service.quotas.updateClass(admin, 'default', { checkpoints: 12 });
    await service.close();
    const shared = await kind.share(store);
    if (shared !== store) stores.push(shared);
    const again = await createProtectionService({ store: shared, providers: [{ id: PROVIDER, name: 'blobs', bank: createBank(createMemoryDriver()), plugins: [blobPlugin({ blobs: new Map() })] }] });
    open.push(again);
    expect(await again.quotas.get(alice, 'alice')).toEqual({ plans: 9, checkpoints: 12 });
  });
});
