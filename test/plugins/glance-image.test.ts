/**
 * The Glance image plugin's own cases beyond the conformance suite, against the real Glance
 * (`scripts/glance-up.sh`): chunking, a protect refused because the data streamed does not match
 * Glance's checksum (Glance's answer altered by a wrapper client — a test double over the real
 * one), a protect of an image without data, the schemas, and the protectable. Fails (never
 * skips) when Glance does not answer; every image made is deleted afterwards.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createBank, createMemoryDriver } from '../../src/bank/index.js';
import { GlanceClient, staticEndpoint, trustedHeaders, type GlanceCallOptions, type GlanceImage } from '../../src/clients/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { GLANCE_IMAGE_TYPE, createGlanceImagePlugin, fixedChunks } from '../../src/plugins/glance-image/index.js';
import { createProtectionService, type ProtectionService } from '../../src/protection/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { requireGlance } from '../helpers/services.js';

const service = await requireGlance();
const endpoint = staticEndpoint(service.url, trustedHeaders({ projectId: service.projectId }));
const glance = new GlanceClient({ endpoint });
const runTag = `kts-gi-${randomBytes(4).toString('hex')}`;
const made: string[] = [];
const md5 = (bytes: Uint8Array | string): string => createHash('md5').update(bytes).digest('hex');

afterAll(async () => {
  await Promise.all(made.map((id) => glance.deleteImage(id, { ignoreMissing: true })));
});

async function newImage(data?: Uint8Array, extra: Record<string, unknown> = {}): Promise<GlanceImage> {
  const image = await glance.createImage({ name: `${runTag}-${made.length}`, disk_format: 'raw', container_format: 'bare', karbor_test_run: runTag, ...extra });
  made.push(image.id);
  if (data === undefined) return image;
  await glance.uploadImage(image.id, data, { size: data.length });
  return glance.waitForImage(image.id, { intervalMs: 100 });
}

/** A Glance client whose `getImage` reports another checksum (Glance's data is untouched). */
class MisreportingGlance extends GlanceClient {
  override async getImage(id: string, options?: GlanceCallOptions): Promise<GlanceImage> {
    const image = await super.getImage(id, options);
    return { ...image, checksum: md5(`not ${id}`) };
  }
}

async function serviceWith(client: GlanceClient): Promise<{ service: ProtectionService; bank: ReturnType<typeof createBank>; close(): Promise<void> }> {
  const bank = createBank(createMemoryDriver());
  const store = createMemoryStore();
  const { protection, protectable } = createGlanceImagePlugin({ glance: client, pollIntervalMs: 100 });
  const protectionService = await createProtectionService({ store, providers: [{ id: 'g', name: 'g', bank, plugins: [protection], protectables: [protectable] }] });
  return {
    service: protectionService,
    bank,
    async close() {
      await protectionService.close();
      await store.close();
      await bank.close();
    },
  };
}

async function* pieces(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

describe('fixedChunks', () => {
  it('cuts any piece sizes into chunks of exactly chunkSize (the last shorter), every byte seen in order', async () => {
    const data = randomBytes(10_000);
    const seen: Uint8Array[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of fixedChunks(pieces(data, [1, 999, 4096, 7]), 3000, (bytes) => seen.push(Buffer.from(bytes)))) chunks.push(Buffer.from(chunk));
    expect(chunks.map((chunk) => chunk.length)).toEqual([3000, 3000, 3000, 1000]);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(Buffer.concat(seen).equals(data)).toBe(true);
    const exact: number[] = [];
    for await (const chunk of fixedChunks(pieces(data.subarray(0, 6000), [6000]), 3000, () => undefined)) exact.push(chunk.length);
    expect(exact).toEqual([3000, 3000]);
  });
});

describe('Glance image plugin: protect refusals and schemas', () => {
  const me = { projectId: service.projectId };

  it('fails the protect when the streamed data does not match Glance’s checksum, naming both, and leaves no object', async () => {
    const image = await newImage(randomBytes(150_000));
    const world = await serviceWith(new MisreportingGlance({ endpoint }));
    try {
      const plan = await world.service.plans.create(me, { name: 'lie', providerId: 'g', resources: [{ type: GLANCE_IMAGE_TYPE, id: image.id, name: 'lie' }], parameters: { [GLANCE_IMAGE_TYPE]: { chunk_size: 65_536 } } });
      const created = await world.service.checkpoints.create(me, 'g', { planId: plan.id });
      await world.service.settled(created.id);
      const checkpoint = await world.service.checkpoints.get(me, 'g', created.id);
      expect(checkpoint.status).toBe('error');
      const reason = checkpoint.resources[`${GLANCE_IMAGE_TYPE}#${image.id}`]?.reason ?? '';
      expect(reason).toContain(`streamed 150000 bytes with md5 ${image.checksum}`);
      expect(reason).toContain(`checksum ${md5(`not ${image.id}`)}`);
      const left = await world.bank.list({ prefix: `checkpoints/${created.id}/resources/` });
      expect(left.keys).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('refuses to protect an image that has no data (not active)', async () => {
    const image = await newImage();
    const world = await serviceWith(glance);
    try {
      const plan = await world.service.plans.create(me, { name: 'queued', providerId: 'g', resources: [{ type: GLANCE_IMAGE_TYPE, id: image.id, name: 'queued' }] });
      const created = await world.service.checkpoints.create(me, 'g', { planId: plan.id });
      await world.service.settled(created.id);
      const checkpoint = await world.service.checkpoints.get(me, 'g', created.id);
      expect(checkpoint.status).toBe('error');
      expect(checkpoint.resources[`${GLANCE_IMAGE_TYPE}#${image.id}`]?.reason).toMatch(/it is queued and has no data \(it must be active\)/u);
    } finally {
      await world.close();
    }
  });

  it('fails a restore whose backup lost a chunk, naming it, and deletes the half-made image', async () => {
    const image = await newImage(randomBytes(200_000));
    const world = await serviceWith(glance);
    try {
      const plan = await world.service.plans.create(me, { name: 'lost', providerId: 'g', resources: [{ type: GLANCE_IMAGE_TYPE, id: image.id, name: 'lost' }], parameters: { [GLANCE_IMAGE_TYPE]: { chunk_size: 65_536 } } });
      const created = await world.service.checkpoints.create(me, 'g', { planId: plan.id });
      await world.service.settled(created.id);
      expect((await world.service.checkpoints.get(me, 'g', created.id)).status).toBe('available');
      const keys = (await world.bank.list({ prefix: `checkpoints/${created.id}/resources/` })).keys;
      expect(keys.filter((key) => key.includes('/chunks/'))).toHaveLength(4);
      await world.bank.delete(keys.find((key) => key.endsWith('/chunks/000002'))!);
      const name = `${runTag}-lost-restored`;
      const restore = await world.service.restores.create(me, { providerId: 'g', checkpointId: created.id, parameters: { [GLANCE_IMAGE_TYPE]: { name } } });
      await world.service.settled(restore.id);
      const record = await world.service.restores.get(me, restore.id);
      expect(record.status).toBe('fail');
      expect(record.resourcesReason[`${GLANCE_IMAGE_TYPE}#${image.id}`]).toContain('Chunk 2 (chunks/000002) of the backup could not be read');
      const left: string[] = [];
      for await (const found of glance.images({ name })) left.push(found.id);
      made.push(...left);
      expect(left).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('validates chunk_size and restore parameters against the schemas', async () => {
    const world = await serviceWith(glance);
    try {
      const resources = [{ type: GLANCE_IMAGE_TYPE, id: randomUUID(), name: 'x' }];
      await expect(world.service.plans.create(me, { name: 'small', providerId: 'g', resources, parameters: { [GLANCE_IMAGE_TYPE]: { chunk_size: 1000 } } })).rejects.toMatchObject({ kind: 'validation' });
      await expect(world.service.plans.create(me, { name: 'other', providerId: 'g', resources, parameters: { [GLANCE_IMAGE_TYPE]: { chunk: 65_536 } } })).rejects.toMatchObject({ kind: 'validation' });
    } finally {
      await world.close();
    }
  });
});

describe('Glance image protectable', () => {
  const { protectable } = createGlanceImagePlugin({ glance });
  const context = { projectId: service.projectId, logger: silentLogger };

  it('lists and shows the project’s images; a server’s dependent is its boot image', async () => {
    const image = await newImage(randomBytes(1000), { kts_purpose: 'protectable' });
    expect(protectable.parentResourceTypes).toEqual(['OS::Nova::Server']);
    const listed = await protectable.listResources(context);
    expect(listed.find((resource) => resource.id === image.id)).toMatchObject({ type: GLANCE_IMAGE_TYPE, name: image.name, extraInfo: { status: 'active', size: 1000 } });
    expect(await protectable.showResource(context, image.id)).toMatchObject({ id: image.id, name: image.name });
    await expect(protectable.showResource(context, randomUUID())).rejects.toMatchObject({ kind: 'not_found' });
    expect(await protectable.getDependentResources(context, { type: 'OS::Nova::Server', id: 's1', extraInfo: { image_id: image.id } })).toMatchObject([{ id: image.id }]);
    expect(await protectable.getDependentResources(context, { type: 'OS::Nova::Server', id: 's2', extraInfo: { image_id: randomUUID() } })).toEqual([]);
    expect(await protectable.getDependentResources(context, { type: 'OS::Cinder::Volume', id: 'v1' })).toEqual([]);
  });
});
