/**
 * The Cinder volume plugin against the shared protection-plugin conformance suite, on the real
 * Cinder of `scripts/cinder-up.sh`: two 1 GiB volumes with a few MiB of known bytes each.
 *
 * Reduced, with reasons: memory banks only (the plugin keeps one small JSON document per
 * resource in the bank, so the bank kind does not change its data path, and every protect costs
 * tens of seconds of Cinder time); the data corruption classes are declared gaps, since the
 * backup data is not in the bank and Cinder's API exposes nothing presence level could compare
 * (no checksum, no per-object sizes). `deleted` is inflicted in Cinder (the backup deleted out
 * of band); the metadata classes and `misplaced` hit `backup.json` in the bank, as for any
 * plugin. Runs in a project of its own (noauth Cinder accepts any hex id) with a raised backup
 * quota. Fails (never skips) when Cinder is not up; deletes all it created.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CinderClient, cinderNoAuth, type CinderBackup } from '../../src/clients/index.js';
import { CINDER_VOLUME_TYPE, createCinderVolumePlugin, readSavedInfo } from '../../src/plugins/cinder-volume/index.js';
import { testProtectionPlugin } from '../../src/testing/index.js';
import { requireCinder } from '../helpers/services.js';
import { md5File, writeAt } from '../helpers/volume-files.js';

const cinder = await requireCinder();
// A project of its own, with room for the suite's backups: it keeps up to 10 at once (Cinder's
// default quota is 10 per project), and other test files must not eat into it.
const projectId = randomBytes(16).toString('hex');
const client = new CinderClient({ endpoint: cinderNoAuth(cinder.url, { projectId }) });
await client.http.send({ method: 'PUT', path: `/os-quota-sets/${projectId}`, json: { quota_set: { backups: 40, volumes: 20, snapshots: 20 } }, idempotent: true });
const MiB = 1024 * 1024;
const fileOf = (id: string): string => join(cinder.volumesDir, `volume-${id}`);
const NOT_IN_BANK = 'the backup data lives in Cinder’s backup store, not in the bank, and Cinder’s API shows no checksum or per-object size of it: presence level (the only one) cannot see at-rest damage of the data';

testProtectionPlugin({
  name: 'cinder-volume',
  copy: true,
  resources: 2,
  banks: ['memory'],
  timeoutMs: 600_000,
  verification: { levels: ['presence'], detects: { presence: ['deleted', 'metadata-deleted', 'metadata-corrupted', 'misplaced'] } },
  skip: [
    { test: 'corruption: flipped-byte', reason: NOT_IN_BANK },
    { test: 'corruption: truncated', reason: NOT_IN_BANK },
    { test: 'corruption: wrong-etag', reason: NOT_IN_BANK },
    { test: 'corruption: rewritten', reason: NOT_IN_BANK },
    { test: 'corruption: resized', reason: `${NOT_IN_BANK} (a changed size or object_count reported by Cinder is detected; test/plugins/cinder-volume.test.ts covers it)` },
  ],
  async create({ count }) {
    const tag = `kts-cvc-${randomBytes(3).toString('hex')}`;
    const { protection, protectable } = createCinderVolumePlugin({ cinder: client, pollIntervalMs: 250, maxPollIntervalMs: 2000 });
    const volumes: string[] = [];
    const restored: string[] = [];
    const resources = [];
    for (let i = 0; i < count; i++) {
      const started = await client.createVolume({ size: 1, name: `${tag}-${i}`, metadata: { karbor_test: tag } });
      volumes.push(started.id);
      await client.waitForVolume(started.id, { intervalMs: 200 });
      await writeAt(fileOf(started.id), 0, randomBytes(2 * MiB));
      await writeAt(fileOf(started.id), 200 * MiB, randomBytes(MiB));
      resources.push({ resource: { type: CINDER_VOLUME_TYPE, id: started.id, name: `${tag}-${i}` }, content: await md5File(fileOf(started.id)) });
    }
    return {
      plugin: protection,
      protectables: [protectable],
      resources,
      restoreParameters: (resource, label) => ({ restore_name: `${tag}-${resource.id.slice(0, 8)}-${label}` }),
      async readRestored(_resource, parameters) {
        const { volumes: found } = await client.listVolumes({ name: String(parameters['restore_name']) });
        restored.push(...found.map((volume) => volume.id));
        if (found.length !== 1) return `expected one volume named ${String(parameters['restore_name'])}, found ${found.length}`;
        return md5File(fileOf(found[0]!.id));
      },
      async inflict(kind, target) {
        if (kind !== 'deleted') return undefined;
        const saved = await readSavedInfo(target.section, { resourceId: target.resource.id });
        await client.deleteBackup(saved.backup.id);
        await client.waitForBackupDeleted(saved.backup.id, { intervalMs: 250 });
        return `Cinder backup ${saved.backup.id}`;
      },
      async dispose() {
        for (const id of volumes) {
          const backups: CinderBackup[] = [];
          for await (const backup of client.backups({ volume_id: id })) backups.push(backup);
          backups.sort((a, b) => ((b.data_timestamp ?? b.created_at) < (a.data_timestamp ?? a.created_at) ? -1 : 1)); // newest first
          for (const backup of backups) {
            await client.waitForBackup(backup.id, { intervalMs: 250, timeoutMs: 300_000 }).catch(() => undefined);
            await client.deleteBackup(backup.id, { ignoreMissing: true }).catch(() => undefined);
            await client.waitForBackupDeleted(backup.id, { intervalMs: 250, timeoutMs: 120_000 }).catch(() => undefined);
          }
        }
        // Restored volumes carry the source's metadata (Cinder restores it), so the tag finds them all.
        const tagged: string[] = [];
        for await (const volume of client.volumes()) if (volume.metadata['karbor_test'] === tag) tagged.push(volume.id);
        for (const id of new Set([...restored, ...tagged, ...volumes])) await client.deleteVolume(id, { ignoreMissing: true, force: true }).catch(() => undefined);
        await client.http.send({ method: 'DELETE', path: `/os-quota-sets/${projectId}`, idempotent: true }).catch(() => undefined);
      },
    };
  },
});
