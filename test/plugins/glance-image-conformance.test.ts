/**
 * The Glance image plugin against the shared protection-plugin conformance suite, with the
 * real Glance that `scripts/glance-up.sh` starts: three images of known random content (made
 * through the client), protected in 64 KiB chunks (4 chunks each) into memory, filesystem and
 * Swift banks (the real Swift of `scripts/swift-up.sh`, a fresh container per bank, so checksum
 * verification compares Swift's own ETags); restores are read back by downloading the restored
 * image. Fails (never skips) when Glance or Swift does not answer. Every image and container
 * the run made is deleted afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { GlanceClient, staticEndpoint, trustedHeaders, type GlanceImage } from '../../src/clients/index.js';
import { GLANCE_IMAGE_TYPE, createGlanceImagePlugin } from '../../src/plugins/glance-image/index.js';
import { testProtectionPlugin } from '../../src/testing/index.js';
import { requireGlance, requireSwift } from '../helpers/services.js';
import { swiftBankKind } from '../helpers/swift-bank-kind.js';

const [service, swift] = await Promise.all([requireGlance(), requireSwift()]);
const glance = new GlanceClient({ endpoint: staticEndpoint(service.url, trustedHeaders({ projectId: service.projectId })) });
const runTag = `kts-conf-${randomBytes(4).toString('hex')}`;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
let subjects = 0;

/** What the suite compares: the data's digest and the metadata a restore must bring back. */
function contentOf(image: GlanceImage, data: Uint8Array): Record<string, unknown> {
  return {
    size: data.length,
    sha256: sha256(data),
    checksum: image.checksum,
    disk_format: image.disk_format,
    container_format: image.container_format,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    tags: [...image.tags].sort(),
    kts_purpose: image['kts_purpose'],
    karbor_test_run: image['karbor_test_run'],
  };
}

async function download(id: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of (await glance.downloadImage(id)).body) parts.push(part);
  return Buffer.concat(parts);
}

afterAll(async () => {
  const mine: string[] = [];
  for await (const image of glance.images({ limit: 200 })) if (image['karbor_test_run'] === runTag) mine.push(image.id);
  await Promise.all(mine.map((id) => glance.deleteImage(id, { ignoreMissing: true })));
});

testProtectionPlugin({
  name: 'glance-image',
  banks: ['memory', 'fs', swiftBankKind(swift)],
  copy: true,
  verification: {
    levels: ['presence', 'checksum', 'full'],
    detects: {
      presence: ['deleted', 'resized', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
      checksum: ['deleted', 'resized', 'wrong-etag', 'rewritten', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
      full: ['flipped-byte', 'truncated', 'deleted', 'resized', 'wrong-etag', 'rewritten', 'metadata-deleted', 'metadata-corrupted', 'misplaced'],
    },
  },
  async create({ count }) {
    const label = `${runTag}-${++subjects}`;
    const resources = [];
    for (let i = 0; i < count; i++) {
      const data = randomBytes(200_000 + 1000 * i);
      const image = await glance.createImage({
        name: `${label}-image-${i}`,
        disk_format: i === 0 ? 'raw' : 'qcow2',
        container_format: 'bare',
        visibility: 'private',
        min_ram: 64 * (i + 1),
        tags: ['kts', `n${i}`],
        kts_purpose: `conformance ${i}`,
        karbor_test_run: runTag,
      });
      await glance.uploadImage(image.id, data, { size: data.length });
      const active = await glance.waitForImage(image.id, { intervalMs: 100 });
      resources.push({ resource: { type: GLANCE_IMAGE_TYPE, id: image.id, name: active.name ?? image.id }, content: contentOf(active, data) });
    }
    const { protection, protectable } = createGlanceImagePlugin({ glance, concurrency: 4, pollIntervalMs: 100 });
    return {
      plugin: protection,
      protectables: [protectable],
      resources,
      planParameters: { [GLANCE_IMAGE_TYPE]: { chunk_size: 64 * 1024 } },
      restoreParameters: (resource, restoreLabel) => ({ name: `${resource.name}-${restoreLabel}` }),
      async readRestored(_resource, parameters) {
        const found: GlanceImage[] = [];
        for await (const image of glance.images({ name: parameters['name'] as string })) found.push(image);
        if (found.length !== 1) throw new Error(`expected one restored image named ${String(parameters['name'])}, found ${found.length}`);
        const image = found[0]!;
        return contentOf(image, await download(image.id));
      },
    };
  },
});
