/**
 * The `round-trip` group of the protection-plugin conformance suite: protect → verify at every
 * claimed level → copy to the destination → verify the copy → restore from the copy (with the
 * main bank's copy of that data made unreadable) and from the main bank, content identical →
 * delete: the plugin's own delete empties its sections, and only the checkpoint's tombstone
 * document remains. The cases share one protect and one copy, made by the first case that needs
 * them.
 *
 * @module
 */
import { expect } from 'vitest';
import { resourceKey } from '../../core/resource.js';
import type { CopyRecord } from '../../store/index.js';
import type { FaultyDriver } from '../faulty-driver.js';
import { driverKeys, resourceObjects } from './bank-objects.js';
import type { Case, Harness } from './harness.js';
import { outcome, type ProtectedCheckpoint } from './steps.js';
import { DESTINATION, MAIN, ME } from './world.js';

/** Registers the cases of the `round-trip` group. */
export function roundTripCases(test: Case, harness: Harness): void {
  const { the, settings, steps } = harness;
  const { copies, noVerify, noCopy } = settings;
  const { protect, expectVerified, restore, deleteCheckpoint } = steps;

  let protectedOnce: Promise<ProtectedCheckpoint> | undefined;
  const protectedCheckpoint = () => (protectedOnce ??= protect(MAIN, 'round trip'));
  let copiedOnce: Promise<string> | undefined;
  const copiedCheckpoint = () =>
    (copiedOnce ??= (async () => {
      const { service } = the();
      const { planId, checkpoint } = await protectedCheckpoint();
      const started = await service.copies.create(ME, { providerId: MAIN, planId, destination: DESTINATION });
      await service.settled(started.id);
      const record: CopyRecord = await service.copies.get(ME, started.id);
      expect(record.status, `copy: ${outcome(record)} ${JSON.stringify(record.checkpoints)}`).toBe('finished');
      expect(record.checkpoints.map((pair) => pair.sourceCheckpointId)).toEqual([checkpoint.id]);
      const copyId = record.checkpoints[0]?.copyCheckpointId;
      expect(copyId, 'the copy record names its copy checkpoint').toBeTypeOf('string');
      for (const resource of the().resources) expect(record.resourcesStatus[resourceKey(resource)], outcome(record)).toBe('finished');
      return copyId!;
    })());

  test('protect: the checkpoint and every resource become available', async () => {
    const { checkpoint } = await protectedCheckpoint();
    for (const resource of the().resources) expect(checkpoint.resources[resourceKey(resource)]?.status, resourceKey(resource)).toBe('available');
  });

  test('verify: an untouched checkpoint succeeds at every claimed level', async () => {
    await expectVerified((await protectedCheckpoint()).checkpoint.id);
  }, noVerify);

  test('copy: the checkpoint is copied to the destination, where it is available', async () => {
    const copyId = await copiedCheckpoint();
    const copy = await the().service.checkpoints.get(ME, MAIN, copyId, DESTINATION);
    expect(copy).toMatchObject({ status: 'available', copyOf: { checkpointId: (await protectedCheckpoint()).checkpoint.id } });
  }, noCopy);

  test('verify the copy: it succeeds at every claimed level', async () => {
    await expectVerified(await copiedCheckpoint(), DESTINATION);
  }, noCopy ?? noVerify);

  test('restore from the copy: the content is identical, without reading the main bank', async () => {
    const copyId = await copiedCheckpoint();
    const { checkpoint } = await protectedCheckpoint();
    const { drivers } = the();
    const source = new RegExp(`^checkpoints/${checkpoint.id}/resources/`, 'u');
    drivers.main.inject({ type: 'fail', operation: 'get', key: source }, { type: 'fail', operation: 'head', key: source });
    try {
      await restore(copyId, DESTINATION, 'from-copy');
    } finally {
      drivers.main.clear();
    }
  }, noCopy);

  test('restore from the main bank: the content is identical', async () => {
    await restore((await protectedCheckpoint()).checkpoint.id, 'main', 'from-main');
  });

  test('delete: the plugin’s delete empties its sections; only the checkpoint’s tombstone remains', async () => {
    const { drivers, service } = the();
    const { planId, checkpoint } = await protectedCheckpoint();
    const deletions: [FaultyDriver, string, string][] = [[drivers.main, checkpoint.id, 'main']];
    if (copies) deletions.unshift([drivers.copy, await copiedCheckpoint(), DESTINATION]);
    for (const [driver, id, bank] of deletions) {
      expect(await resourceObjects(driver.inner, id), `checkpoint ${id} in ${bank} holds backup data before the delete`).not.toEqual([]);
      expect(await deleteCheckpoint(driver, id, bank), `what the plugin’s delete left in the sections of checkpoint ${id} (${bank})`).toEqual([]);
      expect(await driverKeys(driver.inner, `checkpoints/${id}/`), `what remains of checkpoint ${id} (${bank})`).toEqual([`checkpoints/${id}/index.json`]);
      const listed = await service.checkpoints.list(ME, MAIN, { planId, ...(bank === 'main' ? {} : { bank }) });
      expect(listed.items.map((item) => item.id), 'a deleted checkpoint is no longer listed').not.toContain(id);
    }
  });
}
