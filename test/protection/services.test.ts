/**
 * Service nodes (os-services) through the library API, on the memory and SQLite stores: each
 * protection service registers itself with a small id it keeps across restarts, its state
 * follows its liveness lease, admins enable and disable nodes, and a disabled node refuses new
 * long work while its running work finishes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver, type Bank } from '../../src/bank/index.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../../src/protection/index.js';
import type { Store } from '../../src/store/index.js';
import { BLOB, blobPlugin } from '../fixtures/blob-plugin.js';
import { STORE_KINDS } from './store-kinds.js';

const alice: RequestContext = { projectId: 'alice' };
const admin: RequestContext = { projectId: 'ops', isAdmin: true };
const PROVIDER = 'prov-1';
const resources = [{ type: BLOB, id: 'b1', name: 'b1' }];

describe.each(STORE_KINDS)('service nodes on the $name store', (kind) => {
  const open: ProtectionService[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((service) => service.close()));
    await Promise.all([...new Set(stores.splice(0))].map((store) => store.close()));
  });

  async function fresh(): Promise<Store> {
    const store = await kind.create();
    stores.push(store);
    return store;
  }

  async function node(store: Store, ownerId: string, options: { statusCacheMs?: number; protectGate?: (signal: AbortSignal) => Promise<void>; main?: Bank } = {}) {
    const service = await createProtectionService({
      store,
      ownerId,
      progressIntervalMs: 5,
      ...(options.statusCacheMs === undefined ? {} : { serviceStatusCacheMs: options.statusCacheMs }),
      providers: [
        {
          id: PROVIDER,
          name: 'blobs',
          bank: options.main ?? createBank(createMemoryDriver()),
          destinations: { 'region-b': createBank(createMemoryDriver()) },
          plugins: [blobPlugin({ blobs: new Map([['b1', Buffer.from('blob one')]]), ...(options.protectGate ? { protectGate: options.protectGate } : {}) })],
        },
      ],
    });
    open.push(service);
    return service;
  }

  it('registers each node at start with the next small id, up while it holds its lease and down once closed', async () => {
    const store = await fresh();
    const a = await node(store, 'node-a');
    const b = await node(store, 'node-b');
    const listed = await a.services.list(admin);
    expect(listed).toEqual([
      { id: 1, binary: 'karbor-protection', host: 'node-a', status: 'enabled', state: 'up', updatedAt: expect.any(String), disabledReason: null },
      { id: 2, binary: 'karbor-protection', host: 'node-b', status: 'enabled', state: 'up', updatedAt: expect.any(String), disabledReason: null },
    ]);
    expect(a.services.id).toBe(1);
    expect(b.services.id).toBe(2);
    await b.close();
    expect((await a.services.list(admin)).map((service) => [service.id, service.state])).toEqual([[1, 'up'], [2, 'down']]);
  });

  it('keeps a node its id and its status across a restart', async () => {
    const store = await fresh();
    await node(store, 'node-a');
    const b = await node(store, 'node-b');
    await b.services.update(admin, 2, { status: 'disabled', disabledReason: 'disk swap' });
    await b.close();
    const again = await node(await kind.share(store).then((shared) => (stores.push(shared), shared)), 'node-b');
    expect(again.services.id).toBe(2);
    const listed = await again.services.list(admin);
    expect(listed.map((service) => [service.id, service.host, service.status, service.state, service.disabledReason])).toEqual([
      [1, 'node-a', 'enabled', 'up', null],
      [2, 'node-b', 'disabled', 'up', 'disk swap'],
    ]);
    const plan = await again.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await expect(again.checkpoints.create(alice, PROVIDER, { planId: plan.id })).rejects.toMatchObject({ code: 'KTS_ERR_SERVICE_DISABLED' });
  });

  it('gives distinct ids to nodes starting at once, even through separate stores on one file', async () => {
    const store = await fresh();
    const second = await kind.share(store);
    stores.push(second);
    const services = await Promise.all(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'].map((owner, i) => node(i % 2 === 0 ? store : second, owner)));
    const ids = services.map((service) => service.services.id);
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5, 6]);
    const listed = await services[0]!.services.list(admin);
    expect(listed.map((service) => service.host).sort()).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(listed.map((service) => service.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('filters by host and binary', async () => {
    const store = await fresh();
    const a = await node(store, 'node-a');
    await node(store, 'node-b');
    expect((await a.services.list(admin, { host: 'node-b' })).map((service) => service.id)).toEqual([2]);
    expect((await a.services.list(admin, { binary: 'karbor-protection', host: 'node-a' })).map((service) => service.id)).toEqual([1]);
    expect(await a.services.list(admin, { binary: 'karbor-operationengine' })).toEqual([]);
    await expect(a.services.list(admin, { host: 7 } as never)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
  });

  it('lets only admins list and update, and checks ids, statuses and reasons', async () => {
    const store = await fresh();
    const a = await node(store, 'node-a');
    await expect(a.services.list(alice)).rejects.toMatchObject({ code: 'KTS_ERR_FORBIDDEN', kind: 'forbidden' });
    await expect(a.services.update(alice, 1, { status: 'disabled' })).rejects.toMatchObject({ code: 'KTS_ERR_FORBIDDEN' });
    await expect(a.services.update(admin, 99, { status: 'disabled' })).rejects.toMatchObject({ code: 'KTS_ERR_SERVICE_NOT_FOUND', kind: 'not_found' });
    await expect(a.services.update(admin, 1.5, { status: 'disabled' })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(a.services.update(admin, 1, { status: 'paused' } as never)).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(a.services.update(admin, 1, { status: 'enabled', disabledReason: 'why?' })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    await expect(a.services.update(admin, 1, { status: 'disabled', disabledReason: 'x'.repeat(256) })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    expect((await a.services.list(admin))[0]).toMatchObject({ status: 'enabled', disabledReason: null });

    const disabled = await a.services.update(admin, 1, { status: 'disabled', disabledReason: 'maintenance' });
    expect(disabled).toMatchObject({ id: 1, status: 'disabled', state: 'up', disabledReason: 'maintenance' });
    expect(await a.services.update(admin, 1, { status: 'disabled' })).toMatchObject({ status: 'disabled', disabledReason: null });
    expect(await a.services.update(admin, 1, { status: 'enabled' })).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  it('a disabled node refuses new long work at once, serves reads and plans, finishes running work, and accepts again once enabled', async () => {
    const store = await fresh();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let gate = false;
    const a = await node(store, 'node-a', { statusCacheMs: 60_000, protectGate: () => (gate ? held : Promise.resolve()) });
    const plan = await a.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    const done = await a.checkpoints.create(alice, PROVIDER, { planId: plan.id });
    await a.settled(done.id);
    gate = true;
    const running = await a.checkpoints.create(alice, PROVIDER, { planId: plan.id });

    await a.services.update(admin, 1, { status: 'disabled', disabledReason: 'maintenance' });
    const refusals = [
      a.checkpoints.create(alice, PROVIDER, { planId: plan.id }),
      a.checkpoints.delete(alice, PROVIDER, done.id),
      a.restores.create(alice, { providerId: PROVIDER, checkpointId: done.id }),
      a.verifications.create(alice, { providerId: PROVIDER, checkpointId: done.id }),
      a.copies.create(alice, { providerId: PROVIDER, planId: plan.id }),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toMatchObject({ code: 'KTS_ERR_SERVICE_DISABLED', kind: 'unavailable', name: 'UnavailableError', message: expect.stringContaining('maintenance') });
    }
    // Nothing was started or written for the refused requests.
    expect((await a.restores.list(alice)).items).toEqual([]);
    expect((await a.verifications.list(alice)).items).toEqual([]);
    expect((await a.copies.list(alice)).items).toEqual([]);
    expect((await a.checkpoints.get(alice, PROVIDER, done.id)).status).toBe('available');
    // Reads and plans are not long work.
    expect((await a.checkpoints.list(alice, PROVIDER)).items).toHaveLength(2);
    await a.plans.create(alice, { name: 'another', providerId: PROVIDER, resources });

    // The protect that was running when the node was disabled finishes.
    release();
    await a.settled(running.id);
    expect((await a.checkpoints.get(alice, PROVIDER, running.id)).status).toBe('available');

    await a.services.update(admin, 1, { status: 'enabled' });
    const verification = await a.verifications.create(alice, { providerId: PROVIDER, checkpointId: done.id });
    await a.settled(verification.id);
    expect((await a.verifications.get(alice, verification.id)).status).toBe('success');
  });

  it("disabling another node through this node's API reaches it through the store", async () => {
    const store = await fresh();
    const a = await node(store, 'node-a');
    const b = await node(await kind.share(store).then((shared) => (stores.push(shared), shared)), 'node-b', { statusCacheMs: 0 });
    const plan = await b.plans.create(alice, { name: 'p', providerId: PROVIDER, resources });
    await a.services.update(admin, b.services.id!, { status: 'disabled' });
    await expect(b.checkpoints.create(alice, PROVIDER, { planId: plan.id })).rejects.toMatchObject({ code: 'KTS_ERR_SERVICE_DISABLED' });
    // node-a is still enabled and takes the work.
    const checkpoint = await a.checkpoints.create(alice, PROVIDER, { planId: plan.id });
    await a.settled(checkpoint.id);
    await a.services.update(admin, b.services.id!, { status: 'enabled' });
    expect((await b.checkpoints.create(alice, PROVIDER, { planId: plan.id })).status).toBe('protecting');
  });
});
