/**
 * Protect: stream the image's data from Glance into the resource's bank section in fixed-size
 * chunks (`chunks/000000`, …), hashing on the way — per chunk md5 (sent as the expected etag,
 * so the bank refuses altered bytes) and sha256, for the whole image md5 and Glance's
 * `os_hash_algo` — then check the whole image's digests against Glance's `checksum` and
 * `os_hash_value`, and write `manifest.json` last: a backup without a manifest is incomplete
 * by definition, so an interrupted protect never looks done.
 *
 * Memory: at most two chunks are held — the one being filled from Glance and the one being
 * stored — so Glance's download and the bank's upload overlap.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import type { Checkpoint } from '../../core/checkpoint.js';
import { BankError, PluginError, isCancellation, messageOf } from '../../core/errors.js';
import type { Operation, ProtectContext } from '../../core/operation.js';
import type { GlanceClient, GlanceImage } from '../../clients/glance.js';
import { asCancelled, deleteKeys, listAllKeys } from '../bank-copy/index.js';
import { canHash } from './manifest.js';
import {
  DEFAULT_CHUNK_SIZE,
  MANIFEST_FORMAT,
  MANIFEST_KEY,
  chunkKey,
  type GlanceImageOptions,
  type Manifest,
  type ManifestChunk,
  type ManifestImage,
} from './schemas.js';

/** What protect, verify, restore and delete share. */
export interface GlanceImageSettings {
  /** The Glance client acting for the checkpoint's project. */
  readonly glanceFor: (checkpoint: Checkpoint) => GlanceClient;
  /** Objects headed, deleted or copied at once. */
  readonly concurrency: number;
  /** Longest wait for a restored image to become `active`, in milliseconds. */
  readonly activeTimeoutMs: number;
  /** Pause between two polls of a restored image, in milliseconds. */
  readonly pollIntervalMs: number;
}

/** Glance's own fields: everything else of an image is a custom property. */
const GLANCE_FIELDS: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format',
  'visibility', 'owner', 'protected', 'min_disk', 'min_ram', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema',
  'direct_url', 'locations', 'os_hidden', 'stores', 'members',
]);

/** The image's custom properties (string values, Glance's own and `os_glance_*` fields left out). */
export function customProperties(image: GlanceImage): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(image)) {
    if (GLANCE_FIELDS.has(name) || name.startsWith('os_glance_') || typeof value !== 'string') continue;
    properties[name] = value;
  }
  return properties;
}

/** The manifest's view of an active image. */
function imageOf(image: GlanceImage): ManifestImage {
  if (image.status !== 'active' || image.size === null || image.checksum === null) {
    throw new PluginError(`Glance image ${image.id} cannot be protected: it is ${image.status}${image.checksum === null ? ' and has no data' : ''} (it must be active)`, {
      details: { imageId: image.id, status: image.status },
    });
  }
  return {
    id: image.id,
    name: image.name,
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    protected: image.protected,
    tags: [...image.tags],
    properties: customProperties(image),
    size: image.size,
    checksum: image.checksum,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
  };
}

/**
 * Cuts `source` into buffers of `chunkSize` bytes (the last one shorter), feeding every byte in
 * order to `onBytes` on the way. A new buffer is allocated per chunk, so the consumer may keep
 * the previous one while the next fills.
 */
export async function* fixedChunks(source: AsyncIterable<Uint8Array>, chunkSize: number, onBytes: (bytes: Uint8Array) => void): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(chunkSize);
  let filled = 0;
  for await (const piece of source) {
    onBytes(piece);
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(chunkSize - filled, piece.length - at);
      buffer.set(piece.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === chunkSize) {
        yield buffer;
        buffer = Buffer.allocUnsafe(chunkSize);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

const hex = (algorithm: string, bytes: Uint8Array): string => createHash(algorithm).update(bytes).digest('hex');

/** Stores one chunk, its md5 given as the expected etag; checks what the bank recorded. */
async function storeChunk(context: ProtectContext, index: number, offset: number, bytes: Buffer): Promise<ManifestChunk> {
  const key = chunkKey(index);
  const md5 = hex('md5', bytes);
  const sha256 = hex('sha256', bytes);
  let stored;
  try {
    stored = await context.bank.putObject(key, bytes, { etag: md5, signal: context.signal });
  } catch (error) {
    if (isCancellation(error) || context.signal.aborted) throw asCancelled(context.signal.reason ?? error);
    throw new PluginError(`Chunk ${index} (${key}) of image ${context.resource.id} could not be stored: ${messageOf(error)}`, { cause: error, details: { index, key } });
  }
  if (stored.etag !== md5 || stored.size !== bytes.length) {
    throw new BankError(`Chunk ${index} (${key}): wrote ${bytes.length} bytes with md5 ${md5}, but the bank recorded ${stored.size} bytes with etag ${stored.etag}`, {
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { index, key, expected: md5, found: stored.etag },
    });
  }
  context.progress.addBytes(bytes.length);
  return { index, key, offset, size: bytes.length, md5, sha256 };
}

/** The protect operation of one image resource. */
export function createProtectOperation(settings: GlanceImageSettings): Operation<ProtectContext<GlanceImageOptions>> {
  return {
    async onMain(context) {
      const { signal } = context;
      const glance = settings.glanceFor(context.checkpoint);
      const chunkSize = context.parameters.chunk_size ?? DEFAULT_CHUNK_SIZE;
      const image = imageOf(await glance.getImage(context.resource.id, { signal }));
      context.progress.addTotalBytes(image.size);

      const wholeMd5 = createHash('md5');
      const osHash: Hash | undefined = canHash(image.os_hash_algo) ? createHash(image.os_hash_algo) : undefined;
      let streamed = 0;
      const chunks: ManifestChunk[] = [];
      if (image.size > 0) {
        const data = await glance.downloadImage(image.id, { signal });
        let pending: Promise<ManifestChunk> | undefined;
        try {
          let index = 0;
          for await (const chunk of fixedChunks(data.body, chunkSize, (bytes) => {
            wholeMd5.update(bytes);
            osHash?.update(bytes);
            streamed += bytes.length;
          })) {
            if (pending !== undefined) chunks.push(await pending);
            pending = storeChunk(context, index, index * chunkSize, chunk);
            pending.catch(() => undefined); // awaited below; avoids an unhandled rejection while the next chunk fills
            index++;
            if (image.size > 0) context.progress.fraction(Math.min(streamed / image.size, 1) * 0.99);
          }
          if (pending !== undefined) chunks.push(await pending);
          pending = undefined;
        } catch (error) {
          if (pending !== undefined) await pending.catch(() => undefined);
          if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
          throw error;
        } finally {
          await data.body.cancel().catch(() => undefined);
        }
      }

      const md5 = wholeMd5.digest('hex');
      const osHashValue = osHash?.digest('hex');
      if (streamed !== image.size || md5 !== image.checksum) {
        throw new PluginError(
          `Glance image ${image.id}: streamed ${streamed} bytes with md5 ${md5}, but Glance records ${image.size} bytes with checksum ${image.checksum}; the data read is not the image's`,
          { details: { imageId: image.id, expected: image.checksum, found: md5, expectedSize: image.size, size: streamed } },
        );
      }
      if (osHashValue !== undefined && osHashValue !== image.os_hash_value) {
        throw new PluginError(`Glance image ${image.id}: the data streamed has ${image.os_hash_algo} ${osHashValue}, but Glance records os_hash_value ${image.os_hash_value}`, {
          details: { imageId: image.id, algorithm: image.os_hash_algo, expected: image.os_hash_value, found: osHashValue },
        });
      }
      const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        image,
        createdAt: new Date().toISOString(),
        chunkSize,
        chunks,
        digests: { md5, ...(osHashValue === undefined ? {} : { osHashValue }) },
        totals: { chunks: chunks.length, bytes: streamed },
      };
      if (signal.aborted) throw asCancelled(signal.reason);
      await context.bank.putJson(MANIFEST_KEY, manifest);
      context.progress.fraction(1);
      context.logger.info('Image protected', { imageId: image.id, bytes: streamed, chunks: chunks.length, chunkSize, checksum: md5 });
    },

    async onRevert(context) {
      const keys = await listAllKeys(context.bank);
      await deleteKeys(context.bank, keys, { concurrency: settings.concurrency, isMetadata: (key) => key === MANIFEST_KEY });
    },
  };
}
