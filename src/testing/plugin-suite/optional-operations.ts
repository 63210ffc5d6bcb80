/**
 * The `optional-operations` group of the protection-plugin conformance suite, on the plugin
 * stripped of verify and copy: a verification marks every resource `skipped` (with a reason)
 * and succeeds; a copy fails with `KTS_ERR_PLUGIN_OPERATION_UNSUPPORTED` and leaves nothing in
 * the destination. The cases share one protect.
 *
 * @module
 */
import { expect } from 'vitest';
import { VERIFICATION_LEVELS } from '../../core/operation.js';
import { resourceKey } from '../../core/resource.js';
import { driverKeys } from './bank-objects.js';
import type { Case, Harness } from './harness.js';
import { outcome, type ProtectedCheckpoint } from './steps.js';
import { BARE, DESTINATION, ME } from './world.js';

/** Registers the cases of the `optional-operations` group. */
export function optionalOperationsCases(test: Case, harness: Harness): void {
  const { the, steps } = harness;
  const { protect, verify } = steps;

  let protectedOnce: Promise<ProtectedCheckpoint> | undefined;
  const protectedCheckpoint = () => (protectedOnce ??= protect(BARE, 'without verify and copy'));

  test('without verify: every resource is skipped with a reason, and the verification succeeds', async () => {
    const { checkpoint } = await protectedCheckpoint();
    for (const level of VERIFICATION_LEVELS) {
      const record = await verify(BARE, checkpoint.id, level);
      expect(record.status, `verify (${level}): ${outcome(record)}`).toBe('success');
      for (const resource of the().resources) {
        const key = resourceKey(resource);
        expect(record.resourcesStatus[key], outcome(record)).toBe('skipped');
        expect(record.resourcesReason[key], outcome(record)).toMatch(/no verify operation/u);
      }
    }
  });

  test('without copy: the copy fails, naming the missing operation, and leaves nothing in the destination', async () => {
    const { service, drivers } = the();
    const { planId, checkpoint } = await protectedCheckpoint();
    const started = await service.copies.create(ME, { providerId: BARE, planId, destination: DESTINATION });
    await service.settled(started.id);
    const record = await service.copies.get(ME, started.id);
    expect(record.status, outcome(record)).toBe('error');
    expect(record.checkpoints, outcome(record)).toEqual([expect.objectContaining({ sourceCheckpointId: checkpoint.id, status: 'error', reason: expect.stringMatching(/has no copy operation/u) })]);
    for (const resource of the().resources) {
      expect(record.resourcesStatus[resourceKey(resource)], outcome(record)).toBe('error');
      expect(record.resourcesReason[resourceKey(resource)], outcome(record)).toMatch(/has no copy operation/u);
    }
    expect(await driverKeys(drivers.bareCopy.inner, 'checkpoints/'), 'the destination holds no copy checkpoint').toEqual([]);
    expect((await service.checkpoints.get(ME, BARE, checkpoint.id)).status, 'the source stays available').toBe('available');
  });
}
