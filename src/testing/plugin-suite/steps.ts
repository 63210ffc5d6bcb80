/**
 * The steps the cases of the protection-plugin conformance suite take through a block's
 * protection service — protect, verify, restore, delete — each waiting for the operation to
 * settle and checking what its record says.
 *
 * @module
 */
import { expect } from 'vitest';
import { CheckpointCollection, createBank } from '../../bank/index.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { VerificationLevel } from '../../core/operation.js';
import { resourceKey } from '../../core/resource.js';
import type { RestoreRecord, VerificationRecord } from '../../store/index.js';
import type { FaultyDriver } from '../faulty-driver.js';
import { resourceObjects } from './bank-objects.js';
import { MAIN, ME, type World } from './world.js';

/** A record's outcome in one line, for assertion messages. */
export function outcome(record: { status: string; resourcesStatus: Readonly<Record<string, string>>; resourcesReason: Readonly<Record<string, string>>; failure?: { message: string } }): string {
  return JSON.stringify({ status: record.status, resourcesStatus: record.resourcesStatus, resourcesReason: record.resourcesReason, failure: record.failure?.message });
}

/** A protected checkpoint and the plan it was protected from. */
export type ProtectedCheckpoint = { planId: string; checkpoint: Checkpoint };

/** The steps, over one block's world. */
export interface SuiteSteps {
  /** Creates a plan over the test resources and protects it; the checkpoint must become available. */
  protect(providerId: string, label: string): Promise<ProtectedCheckpoint>;
  /** Verifies a checkpoint (in `bank`, the main bank by default) at `level`; returns the settled record. */
  verify(providerId: string, checkpointId: string, level: VerificationLevel, bank?: string): Promise<VerificationRecord>;
  /** Expects a verification of an untouched checkpoint to succeed, for every resource, at every claimed level. */
  expectVerified(checkpointId: string, bank?: string): Promise<void>;
  /** Restores a checkpoint from `bank` and expects every resource's content back, identical. */
  restore(checkpointId: string, bank: string, label: string): Promise<void>;
  /**
   * Deletes a checkpoint through the service; returns what the plugin's delete hooks left in
   * the resource sections (looked at when the service starts removing the index entries,
   * which it does only after every delete hook finished and before it purges the rest).
   */
  deleteCheckpoint(driver: FaultyDriver, checkpointId: string, bank: string): Promise<string[]>;
}

/** The {@link SuiteSteps} over the world `the` gives, verifying at the claimed `levels`. */
export function createSteps(the: () => World, levels: readonly VerificationLevel[]): SuiteSteps {
  async function protect(providerId: string, label: string): Promise<ProtectedCheckpoint> {
    const { service, resources, subject } = the();
    const plan = await service.plans.create(ME, { name: `conformance ${label}`, providerId, resources, ...(subject.planParameters ? { parameters: subject.planParameters } : {}) });
    const created = await service.checkpoints.create(ME, providerId, { planId: plan.id });
    await service.settled(created.id);
    const checkpoint = await service.checkpoints.get(ME, providerId, created.id);
    expect(checkpoint.status, `protect ended ${checkpoint.status}: ${JSON.stringify({ failure: checkpoint.failure?.message, resources: checkpoint.resources })}`).toBe('available');
    return { planId: plan.id, checkpoint };
  }

  async function verify(providerId: string, checkpointId: string, level: VerificationLevel, bank?: string): Promise<VerificationRecord> {
    const { service } = the();
    const started = await service.verifications.create(ME, { providerId, checkpointId, level, ...(bank === undefined ? {} : { bank }) });
    await service.settled(started.id);
    return service.verifications.get(ME, started.id);
  }

  async function expectVerified(checkpointId: string, bank?: string): Promise<void> {
    for (const level of levels) {
      const record = await verify(MAIN, checkpointId, level, bank);
      expect(record.status, `verify (${level}) of an untouched checkpoint: ${outcome(record)}`).toBe('success');
      for (const resource of the().resources) expect(record.resourcesStatus[resourceKey(resource)], `verify (${level}): ${outcome(record)}`).toBe('success');
    }
  }

  async function restore(checkpointId: string, bank: string, label: string): Promise<void> {
    const { service, subject, resources } = the();
    const parameters = Object.fromEntries(resources.map((resource) => [resourceKey(resource), { ...subject.restoreParameters(resource, label) }]));
    const started = await service.restores.create(ME, { providerId: MAIN, checkpointId, bank, parameters });
    await service.settled(started.id);
    const record: RestoreRecord = await service.restores.get(ME, started.id);
    expect(record.status, `restore (${label}): ${outcome(record)}`).toBe('success');
    for (const entry of subject.resources) {
      const key = resourceKey(entry.resource);
      expect(record.resourcesStatus[key], `restore (${label}): ${outcome(record)}`).toBe('available');
      expect(await subject.readRestored(entry.resource, parameters[key]!), `the content restored (${label}) of ${key}`).toEqual(entry.content);
    }
  }

  async function deleteCheckpoint(driver: FaultyDriver, checkpointId: string, bank: string): Promise<string[]> {
    const { service } = the();
    let leftBehind: string[] | undefined;
    driver.inject({
      type: 'intercept',
      operation: 'delete',
      key: new RegExp(`^indices/.*@${checkpointId.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u'),
      call: 1,
      before: async () => {
        leftBehind = await resourceObjects(driver.inner, checkpointId);
      },
    });
    try {
      await service.checkpoints.delete(ME, MAIN, checkpointId, bank);
      await service.settled(`delete-${checkpointId}`);
    } finally {
      driver.clear();
    }
    const collection = new CheckpointCollection(createBank(driver.inner));
    const tombstone = await collection.find(checkpointId);
    expect(tombstone?.status, `the delete of checkpoint ${checkpointId} in ${bank} ended ${tombstone?.status}: ${JSON.stringify({ failure: tombstone?.failure?.message, resources: tombstone?.resources })}`).toBe('deleted');
    expect(leftBehind, 'the service never reached the end of the delete').toBeDefined();
    return leftBehind ?? [];
  }

  return { protect, verify, expectVerified, restore, deleteCheckpoint };
}
