/**
 * The checkpoint-collection cases every bank driver runs (listing by provider, project, plan
 * and dates with marker and sort; CAS; transitions; claims; purge), so that checkpoint listing
 * is shown identical on memory, filesystem, Swift and S3.
 */
import { describe, expect, it } from 'vitest';
import type { Bank } from '../../src/bank/index.js';
import { CheckpointCollection } from '../../src/bank/checkpoints.js';
import type { Checkpoint } from '../../src/index.js';

function checkpoint(id: string, overrides: Partial<Checkpoint> = {}): Checkpoint {
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    id,
    projectId: 'p1',
    providerId: 'prov',
    status: 'available',
    plan: { id: 'plan-a', name: 'a', providerId: 'prov', resources: [], parameters: {} },
    createdAt,
    updatedAt: createdAt,
    extraInfo: {},
    resources: {},
    ...overrides,
  };
}

/** Twelve checkpoints on four days, two projects, two plans. */
async function seed(collection: CheckpointCollection): Promise<Checkpoint[]> {
  const made: Checkpoint[] = [];
  for (let i = 0; i < 12; i++) {
    const day = 10 + Math.floor(i / 3);
    made.push(
      await collection.create(
        checkpoint(`cp-${String(i).padStart(2, '0')}`, {
          createdAt: `2026-11-${day}T0${i % 3}:00:00.000Z`,
          projectId: i % 4 === 3 ? 'p2' : 'p1',
          plan: { id: i % 2 === 0 ? 'plan-a' : 'plan-b', name: 'x', providerId: 'prov', resources: [], parameters: {} },
        }),
      ),
    );
  }
  return made;
}

/**
 * Registers the checkpoint-collection cases for banks made by `makeBank`. Remote back-ends pass
 * a longer `casTimeoutMs`: 50 writers racing on one document cost hundreds of round trips.
 */
export function checkpointCollectionCases(driver: string, makeBank: () => Bank, options: { casTimeoutMs?: number } = {}): void {
  describe(`checkpoints in a ${driver} bank`, () => {
    it('lists by provider and project, newest first by default, paging with a marker', async () => {
      const collection = new CheckpointCollection(makeBank());
      const made = await seed(collection);
      const mine = made.filter((cp) => cp.projectId === 'p1').map((cp) => cp.id);
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await collection.list({ providerId: 'prov', projectId: 'p1', limit: 4, ...(marker ? { marker } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((cp) => cp.id));
        marker = page.nextMarker;
      } while (marker);
      expect(seen).toEqual([...mine].reverse());
      const asc = await collection.list({ providerId: 'prov', projectId: 'p1', sortDir: 'asc' });
      expect(asc.items.map((cp) => cp.id)).toEqual(mine);
      expect(asc.nextMarker).toBeUndefined();
    });

    it('filters by plan and by date range, and lists all projects for admins', async () => {
      const collection = new CheckpointCollection(makeBank());
      const made = await seed(collection);
      const planB = await collection.list({ providerId: 'prov', projectId: 'p1', planId: 'plan-b', sortDir: 'asc' });
      expect(planB.items.map((cp) => cp.id)).toEqual(made.filter((cp) => cp.plan.id === 'plan-b' && cp.projectId === 'p1').map((cp) => cp.id));
      const days = await collection.list({ providerId: 'prov', startDate: '2026-11-11', endDate: '2026-11-12', sortDir: 'asc' });
      expect(days.items.map((cp) => cp.id)).toEqual(['cp-03', 'cp-04', 'cp-05', 'cp-06', 'cp-07', 'cp-08']);
      const daysDesc = await collection.list({ providerId: 'prov', startDate: '2026-11-11', endDate: '2026-11-12' });
      expect(daysDesc.items.map((cp) => cp.id)).toEqual(['cp-08', 'cp-07', 'cp-06', 'cp-05', 'cp-04', 'cp-03']);
      const all = await collection.list({ providerId: 'prov' });
      expect(all.items).toHaveLength(12);
      expect((await collection.list({ providerId: 'other' })).items).toEqual([]);
      await expect(collection.list({ providerId: 'prov', marker: 'nope' })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
      await expect(collection.list({ providerId: 'prov', startDate: 'yesterday' })).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    });

    it('updates with compare-and-swap: 50 concurrent updates lose nothing', async () => {
      const collection = new CheckpointCollection(makeBank());
      await collection.create(checkpoint('cp-cas'));
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          collection.update('cp-cas', (current) => ({
            ...current,
            resources: { ...current.resources, [`T#${i}`]: { status: 'available' } },
          })),
        ),
      );
      const final = await collection.get('cp-cas');
      expect(Object.keys(final.resources)).toHaveLength(50);
    }, options.casTimeoutMs ?? 20_000);

    it('refuses illegal status transitions and duplicate ids', async () => {
      const collection = new CheckpointCollection(makeBank());
      await collection.create(checkpoint('cp-1', { status: 'protecting' }));
      await expect(collection.create(checkpoint('cp-1'))).rejects.toMatchObject({ code: 'KTS_ERR_CONFLICT' });
      await expect(collection.setStatus('cp-1', 'deleting')).rejects.toMatchObject({ code: 'KTS_ERR_STATE_TRANSITION' });
      await collection.setStatus('cp-1', 'available');
      expect((await collection.get('cp-1')).status).toBe('available');
      await expect(collection.get('missing')).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_FOUND' });
      await expect(collection.get('../escape')).rejects.toMatchObject({ code: 'KTS_ERR_VALIDATION' });
    });

    it('a claim by a running reader blocks delete until released or expired', async () => {
      let now = 1_000_000;
      const collection = new CheckpointCollection(makeBank(), { clock: () => now });
      await collection.create(checkpoint('cp-use'));
      await collection.claim('cp-use', 'verify-1', 60_000);
      await collection.claim('cp-use', 'copy-1', 60_000);
      await expect(collection.beginDelete('cp-use')).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_IN_USE' });
      await collection.release('cp-use', 'verify-1');
      await expect(collection.beginDelete('cp-use')).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_IN_USE' });
      now += 60_001; // copy-1's claim expires: its run died without releasing
      const deleting = await collection.beginDelete('cp-use');
      expect(deleting.status).toBe('deleting');
      await expect(collection.claim('cp-use', 'verify-2', 1000)).rejects.toMatchObject({ code: 'KTS_ERR_CHECKPOINT_NOT_AVAILABLE' });
    });

    it('keeps resources apart by Type#id and purges everything of a checkpoint', async () => {
      const bank = makeBank();
      const collection = new CheckpointCollection(bank);
      await collection.create(checkpoint('cp-p'));
      await collection.create(checkpoint('cp-keep'));
      const volume = collection.resourceSection('cp-p', { type: 'OS::Cinder::Volume', id: 'x/1' });
      const image = collection.resourceSection('cp-p', { type: 'OS::Glance::Image', id: 'x/1' });
      await volume.putObject('data', Buffer.from('volume'));
      await image.putObject('data', Buffer.from('image'));
      expect((await volume.head('data'))?.size).toBe(6);
      expect((await image.head('data'))?.size).toBe(5);
      await collection.purge('cp-p');
      expect(await collection.find('cp-p')).toBeUndefined();
      expect((await bank.list({ prefix: 'checkpoints/cp-p/' })).keys).toEqual([]);
      expect((await collection.list({ providerId: 'prov' })).items.map((cp) => cp.id)).toEqual(['cp-keep']);
    });
  });
}
