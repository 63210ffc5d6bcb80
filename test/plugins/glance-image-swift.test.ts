/**
 * The integration story for the Glance image plugin, against the real Glance
 * (`scripts/glance-up.sh`) and the real Swift (`scripts/swift-up.sh`), through the protection
 * service: protect an image into a Swift bank (container A) in 8 MiB chunks → copy the
 * checkpoint to a second Swift container acting as the other region (container B) → damage
 * the main copy (one chunk object in container A overwritten directly through Swift with other
 * bytes, so its ETag changes) → verify the main checkpoint at checksum level: error, the
 * reason naming the chunk → verify the copy: success → restore from the copy: the restored
 * image's Glance checksum equals the original's. Fails (never skips) when a service is down;
 * every image and container the run made is deleted afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createBank, type Bank } from '../../src/bank/index.js';
import { createSwiftDriver } from '../../src/bank/drivers/swift.js';
import { GlanceClient, staticEndpoint, trustedHeaders } from '../../src/clients/index.js';
import { GLANCE_IMAGE_TYPE, createGlanceImagePlugin, type Manifest } from '../../src/plugins/glance-image/index.js';
import { createProtectionService } from '../../src/protection/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { purgeSwiftContainers, requireGlance, requireSwift, uniqueName } from '../helpers/services.js';

const [glanceService, swift] = await Promise.all([requireGlance(), requireSwift()]);
const glance = new GlanceClient({ endpoint: staticEndpoint(glanceService.url, trustedHeaders({ projectId: glanceService.projectId })) });
const MiB = 1024 * 1024;
const runTag = `kts-swift-${randomBytes(4).toString('hex')}`;
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const containerA = uniqueName('kts-glance-a');
const containerB = uniqueName('kts-glance-b');
const images: string[] = [];

afterAll(async () => {
  await Promise.all(images.map((id) => glance.deleteImage(id, { ignoreMissing: true })));
  await purgeSwiftContainers(swift, [containerA, containerB].flatMap((name) => [name, `${name}_segments`, `${name}_leases`]));
});

function swiftBank(container: string): Bank {
  return createBank(createSwiftDriver({ auth: { type: 'tempauth', authUrl: swift.authUrl, user: swift.user, key: swift.key }, container }));
}

/** A raw Swift request on the test account (no driver in between). */
function raw(method: string, path: string, body?: Uint8Array): Promise<Response> {
  return fetch(`${swift.storageUrl}/${path}`, { method, headers: { 'X-Auth-Token': swift.token }, ...(body === undefined ? {} : { body }) });
}

async function objectNames(container: string, prefix: string): Promise<string[]> {
  const response = await raw('GET', `${container}?format=json&prefix=${encodeURIComponent(prefix)}`);
  return ((await response.json()) as { name: string }[]).map((entry) => entry.name);
}

const encode = (name: string): string => name.split('/').map(encodeURIComponent).join('/');

describe('Glance image plugin with real Glance and Swift', () => {
  it('protect → copy to a second container → damage the main chunk → checksum verify names it → the copy verifies and restores', async () => {
    // 20 MiB + a tail: three chunks of the default 8 MiB (8, 8, 4 MiB + 12,345 bytes).
    const data = randomBytes(20 * MiB + 12_345);
    const original = await glance.createImage({ name: `${runTag}-image`, disk_format: 'raw', container_format: 'bare', visibility: 'private', min_ram: 128, karbor_test_run: runTag });
    images.push(original.id);
    await glance.uploadImage(original.id, data, { size: data.length });
    const source = await glance.waitForImage(original.id, { intervalMs: 100 });
    expect(source.checksum).toBe(md5(data));

    const { protection, protectable } = createGlanceImagePlugin({ glance, pollIntervalMs: 100 });
    const store = createMemoryStore();
    const service = await createProtectionService({
      store,
      providers: [{ id: 'glance', name: 'glance', bank: swiftBank(containerA), destinations: { 'region-b': swiftBank(containerB) }, plugins: [protection], protectables: [protectable] }],
    });
    const me = { projectId: glanceService.projectId };
    const key = `${GLANCE_IMAGE_TYPE}#${original.id}` as const;
    try {
      // Protect into container A.
      const plan = await service.plans.create(me, { name: runTag, providerId: 'glance', resources: [{ type: GLANCE_IMAGE_TYPE, id: original.id, name: source.name ?? original.id }] });
      const created = await service.checkpoints.create(me, 'glance', { planId: plan.id });
      await service.settled(created.id);
      const checkpoint = await service.checkpoints.get(me, 'glance', created.id);
      expect(checkpoint.status, JSON.stringify(checkpoint.failure)).toBe('available');

      // Every chunk is a plain Swift object (no large-object manifest) whose own ETag is the manifest's md5.
      const names = await objectNames(containerA, `checkpoints/${checkpoint.id}/resources/`);
      const manifestName = names.find((name) => name.endsWith('/manifest.json'))!;
      const manifest = (await (await raw('GET', `${containerA}/${encode(manifestName)}`)).json()) as Manifest;
      expect(manifest.image).toMatchObject({ id: original.id, checksum: md5(data), size: data.length, os_hash_algo: 'sha512', os_hash_value: source.os_hash_value });
      expect(manifest.chunks.map((chunk) => chunk.size)).toEqual([8 * MiB, 8 * MiB, 4 * MiB + 12_345]);
      expect(manifest.digests.md5).toBe(md5(data));
      const chunkNames = names.filter((name) => /\/chunks\/\d+$/u.test(name)).sort();
      expect(chunkNames).toHaveLength(3);
      for (const [index, name] of chunkNames.entries()) {
        const head = await raw('HEAD', `${containerA}/${encode(name)}`);
        expect(head.headers.get('x-static-large-object')).toBeNull();
        expect(head.headers.get('etag')?.replace(/"/gu, '')).toBe(manifest.chunks[index]!.md5);
      }

      // Copy to container B (the other region).
      const copy = await service.copies.create(me, { providerId: 'glance', planId: plan.id, destination: 'region-b' });
      await service.settled(copy.id);
      const copied = await service.copies.get(me, copy.id);
      expect(copied.status, JSON.stringify(copied.resourcesReason)).toBe('finished');
      const copyId = copied.checkpoints[0]!.copyCheckpointId!;
      expect(await objectNames(containerB, `checkpoints/${copyId}/resources/`)).toHaveLength(4);

      // Damage the main copy: overwrite chunk 1 in container A, straight through Swift.
      const damaged = chunkNames[1]!;
      const other = randomBytes(8 * MiB);
      const put = await raw('PUT', `${containerA}/${encode(damaged)}`, other);
      expect(put.status).toBe(201);
      expect((await raw('HEAD', `${containerA}/${encode(damaged)}`)).headers.get('etag')?.replace(/"/gu, '')).toBe(md5(other));

      // Checksum-level verify of the main checkpoint: error, naming the chunk and both etags.
      const verifyMain = await service.verifications.create(me, { providerId: 'glance', checkpointId: checkpoint.id, level: 'checksum' });
      await service.settled(verifyMain.id);
      const mainResult = await service.verifications.get(me, verifyMain.id);
      expect(mainResult.status).toBe('error');
      expect(mainResult.resourcesStatus[key]).toBe('error');
      const reason = mainResult.resourcesReason[key] ?? '';
      expect(reason).toContain('chunk 1 (chunks/000001)');
      expect(reason).toContain(manifest.chunks[1]!.md5);
      expect(reason).toContain(md5(other));
      // Presence does not read etags: the object is there with its size, so it passes.
      const presence = await service.verifications.create(me, { providerId: 'glance', checkpointId: checkpoint.id, level: 'presence' });
      await service.settled(presence.id);
      expect((await service.verifications.get(me, presence.id)).status).toBe('success');

      // The copy verifies at every level.
      for (const level of ['checksum', 'full'] as const) {
        const verifyCopy = await service.verifications.create(me, { providerId: 'glance', checkpointId: copyId, level, bank: 'region-b' });
        await service.settled(verifyCopy.id);
        expect(await service.verifications.get(me, verifyCopy.id), level).toMatchObject({ status: 'success', resourcesStatus: { [key]: 'success' } });
      }

      // Restore from the copy: a new image whose Glance checksum is the original's.
      const restore = await service.restores.create(me, { providerId: 'glance', checkpointId: copyId, bank: 'region-b', parameters: { [GLANCE_IMAGE_TYPE]: { name: `${runTag}-restored` } } });
      await service.settled(restore.id);
      const restored = await service.restores.get(me, restore.id);
      expect(restored.status, JSON.stringify(restored.resourcesReason)).toBe('success');
      const found = [];
      for await (const image of glance.images({ name: `${runTag}-restored` })) found.push(image);
      images.push(...found.map((image) => image.id));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ status: 'active', checksum: source.checksum, size: data.length, os_hash_value: source.os_hash_value, disk_format: 'raw', min_ram: 128, karbor_test_run: runTag });
      expect(found[0]!.id).not.toBe(original.id);

      // A restore from the damaged main checkpoint fails naming the chunk, and leaves no image behind.
      const bad = await service.restores.create(me, { providerId: 'glance', checkpointId: checkpoint.id, parameters: { [GLANCE_IMAGE_TYPE]: { name: `${runTag}-from-damaged` } } });
      await service.settled(bad.id);
      const badResult = await service.restores.get(me, bad.id);
      expect(badResult.status, JSON.stringify(badResult.resourcesReason)).toBe('fail');
      expect(badResult.resourcesReason[key]).toContain('chunks/000001');
      const leftovers = [];
      for await (const image of glance.images({ name: `${runTag}-from-damaged` })) leftovers.push(image.id);
      images.push(...leftovers);
      expect(leftovers).toEqual([]);
    } finally {
      await service.close();
      await store.close();
    }
  }, 120_000);
});
