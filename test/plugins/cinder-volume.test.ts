/**
 * The Cinder volume plugin against the real Cinder of `scripts/cinder-up.sh`, driven through
 * the protection service (memory store, memory banks): real bytes written into a volume's file,
 * protected as a Cinder backup, verified, restored into a new volume whose file must hold the
 * same bytes; an incremental second protect; a copy (the exported record); a delete refused
 * while an incremental depends on the backup; a backup deleted out of band, which verify names;
 * and deletes that remove the backups. Fails (never skips) when Cinder is not up. Everything it
 * creates in Cinder is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointCollection, createBank, createMemoryDriver, type Bank } from '../../src/bank/index.js';
import { CinderClient, cinderNoAuth, type CinderVolume } from '../../src/clients/index.js';
import { isFrameworkError, resourceKey, silentLogger, type Checkpoint, type Resource } from '../../src/index.js';
import { CINDER_VOLUME_TYPE, SAVED_INFO_KEY, BACKUP_RECORD_KEY, createCinderVolumePlugin, readSavedInfo, type SavedInfo } from '../../src/plugins/cinder-volume/index.js';
import { createProtectionService, type ProtectionService, type RequestContext } from '../../src/protection/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { requireCinder } from '../helpers/services.js';
import { md5File, writeAt } from '../helpers/volume-files.js';

const cinder = await requireCinder();
const client = new CinderClient({ endpoint: cinderNoAuth(cinder.url, { projectId: cinder.projectId }) });
const MiB = 1024 * 1024;
const LONG = 600_000;
const tag = `kts-cvp-${randomBytes(3).toString('hex')}`;
const ME: RequestContext = { projectId: cinder.projectId };
const createdVolumes: string[] = [];
const createdBackups: string[] = [];

const fileOf = (id: string): string => join(cinder.volumesDir, `volume-${id}`);

const { protection, protectable } = createCinderVolumePlugin({ cinder: client, pollIntervalMs: 250, maxPollIntervalMs: 2000 });
let service: ProtectionService;
let main: Bank;
let copyBank: Bank;
let volume: CinderVolume;
let resource: Resource;

beforeAll(async () => {
  main = createBank(createMemoryDriver());
  copyBank = createBank(createMemoryDriver());
  service = await createProtectionService({
    store: createMemoryStore(),
    providers: [{ id: 'cinder', name: 'cinder', bank: main, destinations: { 'region-b': copyBank }, plugins: [protection], protectables: [protectable] }],
  });
  const started = await client.createVolume({ size: 1, name: `${tag}-source`, metadata: { karbor_test: tag } });
  createdVolumes.push(started.id);
  volume = await client.waitForVolume(started.id, { intervalMs: 200 });
  resource = { type: CINDER_VOLUME_TYPE, id: volume.id, name: volume.name ?? volume.id };
}, LONG);

afterAll(async () => {
  await service?.close();
  // Whatever the tests left: every backup of the test volume, newest first (incrementals before their parents).
  const leftovers = new Set(createdBackups);
  for await (const backup of client.backups({ volume_id: volume?.id ?? 'none' })) leftovers.add(backup.id);
  const ordered = [];
  for (const id of leftovers) {
    const backup = await client.getBackup(id).catch(() => undefined);
    if (backup) ordered.push(backup);
  }
  ordered.sort((a, b) => ((b.data_timestamp ?? b.created_at) < (a.data_timestamp ?? a.created_at) ? -1 : 1));
  for (const backup of ordered) {
    await client.deleteBackup(backup.id, { ignoreMissing: true }).catch(() => undefined);
    await client.waitForBackupDeleted(backup.id, { intervalMs: 250, timeoutMs: 120_000 }).catch(() => undefined);
  }
  for (const id of createdVolumes) await client.deleteVolume(id, { ignoreMissing: true, force: true }).catch(() => undefined);
}, LONG);

async function protect(planId: string): Promise<Checkpoint> {
  const created = await service.checkpoints.create(ME, 'cinder', { planId });
  await service.settled(created.id);
  const checkpoint = await service.checkpoints.get(ME, 'cinder', created.id);
  expect(checkpoint.status, JSON.stringify({ failure: checkpoint.failure?.message, resources: checkpoint.resources })).toBe('available');
  return checkpoint;
}

async function savedInfo(bank: Bank, checkpointId: string): Promise<SavedInfo> {
  const saved = await readSavedInfo(new CheckpointCollection(bank).resourceSection(checkpointId, resource, { readOnly: true }), { resourceId: volume.id });
  createdBackups.push(saved.backup.id);
  return saved;
}

async function verify(checkpointId: string, bank?: string): Promise<{ status: string; reason: string | undefined; resourceStatus: string | undefined }> {
  const started = await service.verifications.create(ME, { providerId: 'cinder', checkpointId, level: 'presence', ...(bank === undefined ? {} : { bank }) });
  await service.settled(started.id);
  const record = await service.verifications.get(ME, started.id);
  return { status: record.status, reason: record.resourcesReason[resourceKey(resource)], resourceStatus: record.resourcesStatus[resourceKey(resource)] };
}

async function deleteCheckpoint(id: string, bank?: string): Promise<Checkpoint | undefined> {
  await service.checkpoints.delete(ME, 'cinder', id, bank);
  await service.settled(`delete-${id}`);
  return new CheckpointCollection(bank === undefined ? main : copyBank).find(id);
}

describe.sequential('Cinder volume plugin against the real Cinder', () => {
  let planId: string;
  let first: Checkpoint;
  let second: Checkpoint;
  let firstSaved: SavedInfo;
  let secondSaved: SavedInfo;
  let md5AtFirst = '';
  let md5AtSecond = '';

  it('lists the project’s volumes as protectables (dependents of servers)', async () => {
    const context = { projectId: cinder.projectId, logger: silentLogger };
    const listed = await protectable.listResources(context);
    expect(listed).toContainEqual(expect.objectContaining({ type: CINDER_VOLUME_TYPE, id: volume.id, name: `${tag}-source` }));
    expect(await protectable.showResource(context, volume.id)).toMatchObject({ id: volume.id, extraInfo: { size: 1, status: 'available' } });
    expect(protectable.parentResourceTypes).toEqual(['OS::Nova::Server']);
    expect(await protectable.getDependentResources(context, { type: 'OS::Nova::Server', id: 'no-such-server' })).toEqual([]);
  });

  it('protects a volume with known bytes as a full Cinder backup and records it in the bank', async () => {
    await writeAt(fileOf(volume.id), 0, randomBytes(3 * MiB));
    await writeAt(fileOf(volume.id), 300 * MiB, randomBytes(MiB));
    md5AtFirst = await md5File(fileOf(volume.id));
    const plan = await service.plans.create(ME, { name: `${tag} plan`, providerId: 'cinder', resources: [resource] });
    planId = plan.id;
    first = await protect(planId);
    firstSaved = await savedInfo(main, first.id);
    expect(firstSaved).toMatchObject({
      state: 'available',
      checkpointId: first.id,
      volume: { id: volume.id, size: 1, name: `${tag}-source`, status: 'available' },
      backup: { size: 1, incremental: false, forced: false, name: `karbor-${first.id}` },
    });
    expect(firstSaved.backup.objectCount).toBeGreaterThan(0);
    expect(firstSaved.backup.container).toBeTruthy();
    expect(firstSaved.backup.createdAt).toBeTruthy();
    const backup = await client.getBackup(firstSaved.backup.id);
    expect(backup).toMatchObject({ status: 'available', volume_id: volume.id, metadata: { karbor_checkpoint: first.id, karbor_resource: volume.id } });
  }, LONG);

  it('verifies the checkpoint: the backup is in place and available', async () => {
    expect(await verify(first.id)).toMatchObject({ status: 'success', resourceStatus: 'success' });
  }, LONG);

  it('restores into a new volume whose bytes equal the original’s', async () => {
    const restoreName = `${tag}-restored`;
    const started = await service.restores.create(ME, { providerId: 'cinder', checkpointId: first.id, parameters: { [resourceKey(resource)]: { restore_name: restoreName } } });
    await service.settled(started.id);
    const record = await service.restores.get(ME, started.id);
    const listed = await client.listVolumes({ name: restoreName });
    createdVolumes.push(...listed.volumes.map((v) => v.id));
    expect(record.status, JSON.stringify(record)).toBe('success');
    expect(listed.volumes).toHaveLength(1);
    const restored = listed.volumes[0]!;
    expect(restored).toMatchObject({ status: 'available', size: 1, metadata: { karbor_test: tag, src_backup_id: firstSaved.backup.id } }); // Cinder restores the source's metadata
    expect((await stat(fileOf(restored.id))).size).toBe(1024 * MiB);
    expect(await md5File(fileOf(restored.id))).toBe(md5AtFirst);
  }, LONG);

  it('reports a size mismatch between the recorded and the actual backup, naming the backup', async () => {
    const section = new CheckpointCollection(main).resourceSection(first.id, resource);
    await section.putJson(SAVED_INFO_KEY, { ...firstSaved, backup: { ...firstSaved.backup, size: 2 } });
    try {
      const result = await verify(first.id);
      expect(result).toMatchObject({ status: 'error', resourceStatus: 'error' });
      expect(result.reason).toContain(`Cinder backup ${firstSaved.backup.id}`);
      expect(result.reason).toContain('size 1 GiB, expected 2 GiB');
    } finally {
      await section.putJson(SAVED_INFO_KEY, firstSaved);
    }
  }, LONG);

  it('protects again incrementally, on top of the first backup', async () => {
    await writeAt(fileOf(volume.id), 100 * MiB, randomBytes(2 * MiB));
    md5AtSecond = await md5File(fileOf(volume.id));
    expect(md5AtSecond).not.toBe(md5AtFirst);
    second = await protect(planId);
    secondSaved = await savedInfo(main, second.id);
    expect(secondSaved.backup).toMatchObject({ incremental: true, parentId: firstSaved.backup.id, size: 1 });
    expect(secondSaved.backup.id).not.toBe(firstSaved.backup.id);
    expect((await client.getBackup(firstSaved.backup.id)).has_dependent_backups).toBe(true);
    expect(await verify(second.id)).toMatchObject({ status: 'success' });
  }, LONG);

  it('copies the checkpoint as the exported backup record; the copy verifies', async () => {
    const started = await service.copies.create(ME, { providerId: 'cinder', planId, destination: 'region-b' });
    await service.settled(started.id);
    const record = await service.copies.get(ME, started.id);
    expect(record.status, JSON.stringify(record)).toBe('finished');
    const pair = record.checkpoints.find((entry) => entry.sourceCheckpointId === second.id);
    expect(pair?.copyCheckpointId).toBeTypeOf('string');
    const section = new CheckpointCollection(copyBank).resourceSection(pair!.copyCheckpointId!, resource, { readOnly: true });
    const saved = await readSavedInfo(section, { resourceId: volume.id });
    expect(saved).toMatchObject({ backup: { id: secondSaved.backup.id }, copy: { sourceCheckpointId: second.id, backupService: 'cinder.backup.drivers.posix.PosixBackupDriver' } });
    const exported = (await section.getJson<{ backupId: string; record: { backup_url: string } }>(BACKUP_RECORD_KEY))?.value;
    expect(exported?.backupId).toBe(secondSaved.backup.id);
    expect(JSON.parse(Buffer.from(exported!.record.backup_url, 'base64').toString('utf8'))).toMatchObject({ id: secondSaved.backup.id });
    expect(await verify(pair!.copyCheckpointId!, 'region-b')).toMatchObject({ status: 'success' });
    // Deleting the copy removes its documents only: the backup belongs to the source checkpoint.
    expect((await deleteCheckpoint(pair!.copyCheckpointId!, 'region-b'))?.status).toBe('deleted');
    expect((await client.getBackup(secondSaved.backup.id)).status).toBe('available');
  }, LONG);

  it('refuses to delete a checkpoint whose backup a later incremental depends on, naming both', async () => {
    const after = await deleteCheckpoint(first.id);
    expect(after?.status).toBe('error-deleting');
    const reason = after?.resources[resourceKey(resource)]?.reason ?? after?.failure?.message ?? '';
    expect(reason).toContain(`Cinder backup ${firstSaved.backup.id}`);
    expect(reason).toContain('later incremental backups depend on it');
    expect(reason).toContain(secondSaved.backup.id);
    expect((await client.getBackup(firstSaved.backup.id)).status).toBe('available');
  }, LONG);

  it('reports a backup deleted out of band: verify fails naming the backup', async () => {
    await client.deleteBackup(secondSaved.backup.id);
    await client.waitForBackupDeleted(secondSaved.backup.id, { intervalMs: 250 });
    const result = await verify(second.id);
    expect(result).toMatchObject({ status: 'error', resourceStatus: 'error' });
    expect(result.reason).toContain(`Cinder backup ${secondSaved.backup.id}`);
    expect(result.reason).toContain('is missing');
  }, LONG);

  it('deletes the checkpoints: the backups are removed from Cinder, the sections emptied', async () => {
    expect((await deleteCheckpoint(second.id))?.status).toBe('deleted'); // its backup was already gone
    expect((await deleteCheckpoint(first.id))?.status).toBe('deleted'); // no dependent any more
    const gone = await client.getBackup(firstSaved.backup.id).then(
      () => 'still there',
      (error: unknown) => (isFrameworkError(error) ? error.code : String(error)),
    );
    expect(gone).toBe('KTS_ERR_NOT_FOUND');
  }, LONG);
});
