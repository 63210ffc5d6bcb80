/**
 * The Cinder client against the real Cinder that `scripts/cinder-up.sh` starts (api, scheduler,
 * volume and backup in one process, noauth, file-backed volumes, backups to a POSIX directory,
 * 127.0.0.1:8776). Real bytes move: the tests write data into a volume's file (what a server
 * would write to the disk), back it up (full, then incremental), restore it into new volumes
 * and compare the restored files' md5 with the source's. The file fails (never skips) when
 * Cinder or one of its services is not up. Everything it creates is deleted afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { CinderClient, cinderNoAuth, type CinderBackup, type CinderVolume } from '../../src/clients/index.js';
import { requireCinder } from '../helpers/services.js';
import { md5File, writeAt } from '../helpers/volume-files.js';

const cinder = await requireCinder();
const client = new CinderClient({ endpoint: cinderNoAuth(cinder.url, { projectId: cinder.projectId }), microversion: '3.64' });
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const LONG = 600_000;
const volumes: string[] = [];
const backups: string[] = [];
const tag = `kts-${randomBytes(3).toString('hex')}`;

const fileOf = (volume: { id: string }): string => join(cinder.volumesDir, `volume-${volume.id}`);

async function newVolume(name: string): Promise<CinderVolume> {
  const volume = await client.createVolume({ size: 1, name: `${tag}-${name}`, metadata: { karbor_test: tag } });
  volumes.push(volume.id);
  return client.waitForVolume(volume.id, { intervalMs: 200 });
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; kind: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (!isFrameworkError(error)) throw error;
    return { code: error.code, kind: error.kind, message: error.message, details: { ...error.details } };
  }
  throw new Error('expected the call to fail');
}

afterAll(async () => {
  // newest first: incremental backups before the backups they depend on
  for (const id of [...backups].reverse()) {
    await client.deleteBackup(id, { ignoreMissing: true }).catch(() => undefined);
    await client.waitForBackupDeleted(id, { intervalMs: 200, timeoutMs: 120_000 }).catch(() => undefined);
  }
  for (const id of volumes) await client.deleteVolume(id, { ignoreMissing: true, force: true }).catch(() => undefined);
}, LONG);

describe.sequential('CinderClient against the real Cinder: volumes, backups and restores with real bytes', () => {
  let source: CinderVolume;
  let full: CinderBackup;
  let incremental: CinderBackup;
  let md5AtFull = '';
  let md5AtIncremental = '';

  it('creates a volume backed by a real file and waits until it is available', async () => {
    source = await newVolume('source');
    expect(source).toMatchObject({ status: 'available', size: 1, name: `${tag}-source`, metadata: { karbor_test: tag } });
    expect((await stat(fileOf(source))).size).toBe(GiB);
    expect((await client.getVolume(source.id)).id).toBe(source.id);
    const listed = await client.listVolumes({ name: `${tag}-source` });
    expect(listed.volumes.map((volume) => volume.id)).toEqual([source.id]);
    const all: string[] = [];
    for await (const volume of client.volumes({ limit: 1 })) all.push(volume.id);
    expect(all).toContain(source.id);
  });

  it('backs the volume up (full) and waits, reporting each state read', async () => {
    await writeAt(fileOf(source), 0, randomBytes(4 * MiB));
    await writeAt(fileOf(source), 700 * MiB, randomBytes(MiB));
    md5AtFull = await md5File(fileOf(source));

    const started = await client.createBackup({ volume_id: source.id, name: `${tag}-full`, metadata: { karbor_checkpoint: 'cp-1' } });
    backups.push(started.id);
    expect(started.name).toBe(`${tag}-full`);
    expect((await client.getBackup(started.id)).status).toMatch(/^(creating|available)$/u);
    const seen: string[] = [];
    full = await client.waitForBackup(started.id, { intervalMs: 250, onPoll: (backup, elapsedMs) => seen.push(`${backup.status}@${elapsedMs}`) });
    expect(full).toMatchObject({ status: 'available', volume_id: source.id, is_incremental: false, size: 1, metadata: { karbor_checkpoint: 'cp-1' } });
    expect(full.object_count).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatch(/^available@\d+$/u);
    await client.waitForVolume(source.id, { intervalMs: 200 }); // back from backing-up
  }, LONG);

  it('backs up only the changes with incremental: true; the full backup then has a dependent', async () => {
    await writeAt(fileOf(source), 100 * MiB, randomBytes(2 * MiB));
    md5AtIncremental = await md5File(fileOf(source));
    expect(md5AtIncremental).not.toBe(md5AtFull);

    const started = await client.createBackup({ volume_id: source.id, name: `${tag}-incr`, incremental: true });
    backups.push(started.id);
    incremental = await client.waitForBackup(started.id, { intervalMs: 250 });
    expect(incremental.is_incremental).toBe(true);
    expect((await client.getBackup(full.id)).has_dependent_backups).toBe(true);
    await client.waitForVolume(source.id, { intervalMs: 200 });

    const listed: string[] = [];
    for await (const backup of client.backups({ volume_id: source.id, limit: 1 })) listed.push(backup.id);
    expect(listed.sort()).toEqual([full.id, incremental.id].sort());

    // a backup with dependents cannot be deleted
    const refused = await failure(client.deleteBackup(full.id));
    expect(refused.code).toBe('KTS_ERR_VALIDATION');
    expect(refused.message).toContain('Incremental backups exist for this backup');
  }, LONG);

  it('restores the incremental backup into a new volume with identical bytes', async () => {
    const restore = await client.restoreBackup(incremental.id, { name: `${tag}-restored` });
    volumes.push(restore.volume_id);
    expect(restore.backup_id).toBe(incremental.id);
    const volume = await client.waitForRestore(restore, { intervalMs: 250 });
    expect(volume.status).toBe('available');
    expect(await md5File(fileOf(volume))).toBe(md5AtIncremental);
    await client.waitForBackup(incremental.id, { intervalMs: 200 }); // back from restoring
  }, LONG);

  it('moves a backup by record: export, copy its data aside, delete, put the data back, import, restore', async () => {
    expect(await client.deleteBackup(incremental.id)).toBe(true);
    await client.waitForBackupDeleted(incremental.id, { intervalMs: 200 });
    expect((await failure(client.getBackup(incremental.id))).code).toBe('KTS_ERR_NOT_FOUND');

    const record = await client.exportBackupRecord(full.id);
    expect(record.backup_service).toBe('cinder.backup.drivers.posix.PosixBackupDriver');
    expect(JSON.parse(Buffer.from(record.backup_url, 'base64').toString('utf8'))).toMatchObject({ id: full.id, container: full.container });

    // "another region": the backup data is copied elsewhere, the original backup is deleted
    const aside = await mkdtemp(join(tmpdir(), 'kts-cinder-backup-'));
    try {
      const dataDir = join(cinder.backupsDir, full.container!);
      await cp(dataDir, aside, { recursive: true });
      await client.deleteBackup(full.id);
      await client.waitForBackupDeleted(full.id, { intervalMs: 200 });
      await cp(aside, dataDir, { recursive: true, force: true });
    } finally {
      await rm(aside, { recursive: true, force: true });
    }

    const imported = await client.importBackupRecord(record);
    expect(imported.id).toBe(full.id);
    const available = await client.waitForBackup(imported.id, { intervalMs: 200 });
    expect(available.status).toBe('available');

    const again = await failure(client.importBackupRecord(record));
    expect(again.code).toBe('KTS_ERR_VALIDATION');
    expect(again.message).toContain('Backup already exists in database');

    const restore = await client.restoreBackup(imported.id, { name: `${tag}-from-import` });
    volumes.push(restore.volume_id);
    const volume = await client.waitForRestore(restore, { intervalMs: 250 });
    expect(await md5File(fileOf(volume))).toBe(md5AtFull);
  }, LONG);
});

describe('CinderClient error mapping against the real Cinder', () => {
  it('maps unknown ids to NotFoundError naming Cinder and the resource', async () => {
    const id = randomUUID();
    const volume = await failure(client.getVolume(id));
    expect(volume.code).toBe('KTS_ERR_NOT_FOUND');
    expect(volume.message).toBe(`Cinder volume ${id} not found (GET /volumes/${id}: HTTP 404 Volume ${id} could not be found.)`);
    expect(volume.details).toMatchObject({ service: 'Cinder', resourceType: 'volume', resourceId: id, status: 404 });
    expect(String(volume.details.requestId)).toMatch(/^req-/u);

    const backup = await failure(client.getBackup(id));
    expect(backup.message).toContain(`Cinder backup ${id} not found`);
    expect((await failure(client.restoreBackup(id))).code).toBe('KTS_ERR_NOT_FOUND');
    expect((await failure(client.exportBackupRecord(id))).code).toBe('KTS_ERR_NOT_FOUND');
    expect(await client.deleteVolume(id, { ignoreMissing: true })).toBe(false);
    expect(await client.deleteBackup(id, { ignoreMissing: true })).toBe(false);
  });

  it('maps refused input to ValidationError with Cinder’s reason', async () => {
    const size = await failure(client.createVolume({ size: 0 }));
    expect(size.code).toBe('KTS_ERR_VALIDATION');
    expect(size.details.status).toBe(400);

    const volume = await newVolume('no-backups');
    const incremental = await failure(client.createBackup({ volume_id: volume.id, incremental: true }));
    expect(incremental.code).toBe('KTS_ERR_VALIDATION');
    expect(incremental.message).toMatch(/incremental/iu);
    expect(await client.deleteVolume(volume.id)).toBe(true);
    await client.waitForVolumeDeleted(volume.id, { intervalMs: 200 });
  }, LONG);

  it('fails with a clear message for a project id Cinder cannot route (not hex)', async () => {
    const wrong = new CinderClient({ endpoint: cinderNoAuth(cinder.url, { projectId: 'admin' }), retry: { retries: 0 } });
    const error = await failure(wrong.listVolumes());
    expect(error.code).toBe('KTS_ERR_NOT_FOUND');
    expect(error.details).toMatchObject({ service: 'Cinder', status: 404 });
  });
});
