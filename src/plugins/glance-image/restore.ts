/**
 * Restore: create a new Glance image with the saved metadata (name from the `name` parameter,
 * else the saved name plus `name_suffix`; formats, visibility, min_disk/min_ram, tags, custom
 * properties), upload the chunks in order as one stream — each chunk's size, md5 and sha256
 * checked against the manifest on the way, so damaged backup data fails the upload naming the
 * chunk — wait for the image to become `active`, and check that Glance's new `checksum` equals
 * the recorded one. On any failure after the image was created, it is deleted; a revert
 * deletes the images this operation created. The new image is recorded in `ctx.newResources`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BankError, NotFoundError, PluginError, isCancellation, isFrameworkError, messageOf, type FrameworkError } from '../../core/errors.js';
import type { Operation, RestoreContext } from '../../core/operation.js';
import { resourceKey } from '../../core/resource.js';
import type { GlanceClient, GlanceImageCreate } from '../../clients/glance.js';
import { asCancelled } from '../bank-copy/index.js';
import { readImageManifest } from './manifest.js';
import type { GlanceImageSettings } from './protect.js';
import { GLANCE_IMAGE_TYPE, type GlanceImageRestoreParameters, type Manifest } from './schemas.js';

/** The image-creation body for `manifest` under `name`. */
function creationOf(manifest: Manifest, name: string, visibility: string): GlanceImageCreate {
  const { image } = manifest;
  return {
    ...image.properties,
    name,
    ...(image.disk_format === null ? {} : { disk_format: image.disk_format }),
    ...(image.container_format === null ? {} : { container_format: image.container_format }),
    visibility: visibility as NonNullable<GlanceImageCreate['visibility']>,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    tags: [...image.tags],
  };
}

/**
 * The backup's bytes in image order, each chunk checked (size, md5, sha256) as it passes and
 * the whole image's md5 at the end; a mismatch throws before the last byte is sent, so Glance
 * never activates damaged data. `onFailure` receives the integrity error (the upload's own
 * error may wrap it).
 */
async function* backupBytes(context: RestoreContext, manifest: Manifest, onFailure: (error: FrameworkError) => void): AsyncGenerator<Uint8Array> {
  const { bank, signal } = context;
  const whole = createHash('md5');
  for (const chunk of manifest.chunks) {
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let size = 0;
    let source;
    try {
      source = await bank.getObject(chunk.key, { signal });
    } catch (error) {
      if (isCancellation(error) || signal.aborted) throw error;
      const message = `Chunk ${chunk.index} (${chunk.key}) of the backup could not be read: ${messageOf(error)}`;
      const options = { details: { index: chunk.index, key: chunk.key }, cause: error };
      const failure = isFrameworkError(error, 'KTS_ERR_BANK_OBJECT_NOT_FOUND')
        ? new NotFoundError(message, { code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND', ...options })
        : new BankError(message, { code: isFrameworkError(error) && error.kind === 'bank' ? (error.code as 'KTS_ERR_BANK_IO') : 'KTS_ERR_BANK_IO', ...options });
      onFailure(failure);
      throw failure;
    }
    for await (const piece of source) {
      const bytes = piece as Uint8Array;
      size += bytes.length;
      if (size > chunk.size) break;
      md5.update(bytes);
      sha256.update(bytes);
      whole.update(bytes);
      yield bytes;
    }
    const [foundMd5, foundSha256] = [md5.digest('hex'), sha256.digest('hex')];
    if (size !== chunk.size || foundMd5 !== chunk.md5 || foundSha256 !== chunk.sha256) {
      const error = new BankError(
        `Chunk ${chunk.index} (${chunk.key}) of the backup is damaged: expected ${chunk.size} bytes with md5 ${chunk.md5}, read ${size > chunk.size ? `more than ${chunk.size}` : size} bytes with md5 ${foundMd5}`,
        { code: 'KTS_ERR_BANK_INTEGRITY', details: { index: chunk.index, key: chunk.key, expected: chunk.md5, found: foundMd5 } },
      );
      onFailure(error);
      throw error;
    }
    context.progress.addBytes(size);
  }
  const md5 = whole.digest('hex');
  if (md5 !== manifest.image.checksum) {
    const error = new BankError(`The backup's bytes have md5 ${md5}, but the image's recorded checksum is ${manifest.image.checksum}`, {
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { key: 'image', expected: manifest.image.checksum, found: md5 },
    });
    onFailure(error);
    throw error;
  }
}

/** Deletes `id`, logging (not throwing) a failure: used while another error is on its way. */
async function discard(glance: GlanceClient, id: string, context: RestoreContext): Promise<void> {
  try {
    await glance.deleteImage(id, { ignoreMissing: true });
  } catch (error) {
    context.logger.warn('Could not delete the half-made image', { imageId: id, error: messageOf(error) });
  }
}

/** The restore operation of one image resource. */
export function createRestoreOperation(settings: GlanceImageSettings): Operation<RestoreContext<GlanceImageRestoreParameters>> {
  const created = new Set<string>();
  return {
    async onMain(context) {
      const { signal, parameters } = context;
      const glance = settings.glanceFor(context.checkpoint);
      const manifest = await readImageManifest(context.bank, { imageId: context.resource.id });
      const name = parameters.name ?? `${manifest.image.name ?? manifest.image.id}${parameters.name_suffix ?? '-restored'}`;
      const visibility = parameters.visibility ?? manifest.image.visibility;
      context.progress.addTotalBytes(manifest.totals.bytes);

      const image = await glance.createImage(creationOf(manifest, name, visibility), { signal });
      created.add(image.id);
      try {
        let integrity: FrameworkError | undefined;
        const open = (): AsyncIterable<Uint8Array> => {
          if (integrity !== undefined) {
            const failure = integrity;
            return (async function* refuse(): AsyncGenerator<Uint8Array> {
              throw failure;
            })();
          }
          return backupBytes(context, manifest, (error) => (integrity = error));
        };
        try {
          await glance.uploadImage(image.id, open, { size: manifest.totals.bytes, signal });
        } catch (error) {
          if (signal.aborted) throw asCancelled(signal.reason ?? error);
          throw integrity ?? error;
        }
        const active = await glance.waitForImage(image.id, { signal, timeoutMs: settings.activeTimeoutMs, intervalMs: settings.pollIntervalMs });
        if (active.checksum !== manifest.image.checksum || active.size !== manifest.image.size) {
          throw new PluginError(
            `Restored image ${image.id} has checksum ${active.checksum} (${active.size} bytes) in Glance, but the backup of ${manifest.image.id} recorded ${manifest.image.checksum} (${manifest.image.size} bytes)`,
            { details: { imageId: image.id, expected: manifest.image.checksum, found: active.checksum } },
          );
        }
        context.newResources.set(resourceKey(context.resource), {
          type: GLANCE_IMAGE_TYPE,
          id: image.id,
          name,
          extraInfo: { restoredFrom: manifest.image.id, checksum: active.checksum, size: active.size },
        });
        context.logger.info('Image restored', { imageId: image.id, from: manifest.image.id, bytes: manifest.totals.bytes, checksum: active.checksum });
      } catch (error) {
        await discard(glance, image.id, context);
        created.delete(image.id);
        if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
        throw error;
      }
    },

    async onRevert(context) {
      const glance = settings.glanceFor(context.checkpoint);
      for (const id of [...created]) {
        await glance.deleteImage(id, { ignoreMissing: true });
        created.delete(id);
      }
    },
  };
}
