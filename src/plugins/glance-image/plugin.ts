/**
 * The Glance image plugin: protects Glance images (`OS::Glance::Image`) into the bank as
 * fixed-size chunk objects plus a manifest; verifies at presence, checksum (the bank's etags,
 * Swift's own ETags on a Swift bank) or full level (re-read and re-hashed against Glance's
 * digests); copies between banks with the bank-copy operation; restores into a new image whose
 * Glance checksum must equal the recorded one. Plus a protectable plugin that lists the images
 * the Glance client sees, and the image a Nova server boots from as its dependent.
 *
 * @module
 */
import type { Checkpoint } from '../../core/checkpoint.js';
import type { CopyOperation, ProtectableContext, ProtectablePlugin, ProtectionPlugin, VerificationOperation } from '../../core/plugin.js';
import type { Resource } from '../../core/resource.js';
import type { GlanceClient, GlanceImage } from '../../clients/glance.js';
import { invalidOption } from '../../core/errors.js';
import { deleteAndCopyOperations } from '../manifest-backup/plugin.js';
import { createProtectOperation, type GlanceImageSettings } from './protect.js';
import { createRestoreOperation } from './restore.js';
import { COPY_SCHEMA, GLANCE_IMAGE_TYPE, MANIFEST_KEY, MANIFEST_SCHEMA, NOVA_SERVER_TYPE, OPTIONS_SCHEMA, RESTORE_SCHEMA, VERIFY_SCHEMA } from './schemas.js';
import { createVerifyOperation } from './verify.js';

/** Options of {@link createGlanceImagePlugin}. */
export interface GlanceImagePluginOptions {
  /**
   * The Glance client, or a function giving the client that acts for a project (a Keystone
   * session scoped to it, or trusted headers naming it). Hooks ask for the checkpoint's project,
   * the protectable for the caller's.
   */
  readonly glance: GlanceClient | ((projectId: string) => GlanceClient);
  /** Chunk objects headed, deleted or copied at once. @default 8 */
  readonly concurrency?: number;
  /** Longest wait for a restored image to become `active`. @default 600_000 (10 minutes) */
  readonly activeTimeoutMs?: number;
  /** First pause between two polls of a restored image. @default 500 */
  readonly pollIntervalMs?: number;
  /** The plugins' name. @default `glance-image` */
  readonly name?: string;
}

/** The two plugins {@link createGlanceImagePlugin} returns. */
export interface GlanceImagePlugins {
  /** Protect, restore, delete, verify (presence, checksum, full) and copy. */
  readonly protection: ProtectionPlugin & VerificationOperation & CopyOperation;
  /** Lists the images of the project. */
  readonly protectable: ProtectablePlugin;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 1) throw invalidOption(name, 'a positive integer', result);
  return result;
}

/** The resource for an image, with facts for operators in `extraInfo`. */
export function imageResource(image: GlanceImage): Resource {
  return {
    type: GLANCE_IMAGE_TYPE,
    id: image.id,
    name: image.name ?? image.id,
    extraInfo: { status: image.status, size: image.size, disk_format: image.disk_format, container_format: image.container_format, visibility: image.visibility },
  };
}

/** The image id a Nova server resource names (`extraInfo.image_id`, `imageId` or `image.id`), if any. */
function bootImageOf(server: Resource): string | undefined {
  const info = server.extraInfo ?? {};
  const nested = info['image'];
  const candidates = [info['image_id'], info['imageId'], typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)['id'] : undefined];
  return candidates.find((value): value is string => typeof value === 'string' && value !== '');
}

/** Creates the Glance image protection and protectable plugins. */
export function createGlanceImagePlugin(options: GlanceImagePluginOptions): GlanceImagePlugins {
  const { glance } = options ?? {};
  if (typeof glance !== 'function' && (typeof glance !== 'object' || glance === null)) throw invalidOption('glance', 'a GlanceClient or a function of the project id', glance);
  const clientFor = (projectId: string): GlanceClient => (typeof glance === 'function' ? glance(projectId) : glance);
  const settings: GlanceImageSettings = {
    glanceFor: (checkpoint: Checkpoint) => clientFor(checkpoint.projectId),
    concurrency: positive('concurrency', options.concurrency, 8),
    activeTimeoutMs: positive('activeTimeoutMs', options.activeTimeoutMs, 600_000),
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, 500),
  };
  const name = options.name ?? 'glance-image';

  const protection: ProtectionPlugin & VerificationOperation & CopyOperation = {
    name,
    version: '0.1.0',
    description: 'Backs up Glance images into the bank in checksummed chunks; verifies by etag or by re-hashing against Glance’s checksum; copies between banks.',
    resourceTypes: {
      [GLANCE_IMAGE_TYPE]: { options: OPTIONS_SCHEMA, restore: RESTORE_SCHEMA, verify: VERIFY_SCHEMA, copy: COPY_SCHEMA, savedInfo: MANIFEST_SCHEMA },
    },
    verificationLevels: ['presence', 'checksum', 'full'],
    getProtectOperation: () => createProtectOperation(settings),
    getRestoreOperation: () => createRestoreOperation(settings),
    getVerifyOperation: () => createVerifyOperation(settings),
    ...deleteAndCopyOperations({ manifestKey: MANIFEST_KEY, concurrency: settings.concurrency, deletedMessage: 'Image backup deleted' }),
  };

  const callOptions = (context: ProtectableContext) => (context.signal === undefined ? {} : { signal: context.signal });
  const protectable: ProtectablePlugin = {
    name,
    resourceType: GLANCE_IMAGE_TYPE,
    parentResourceTypes: [NOVA_SERVER_TYPE],
    async listResources(context) {
      const resources: Resource[] = [];
      for await (const image of clientFor(context.projectId).images({}, callOptions(context))) resources.push(imageResource(image));
      return resources;
    },
    async showResource(context, id) {
      return imageResource(await clientFor(context.projectId).getImage(id, callOptions(context)));
    },
    async getDependentResources(context, parent) {
      if (parent.type !== NOVA_SERVER_TYPE) return [];
      const imageId = bootImageOf(parent);
      if (imageId === undefined) return [];
      try {
        return [imageResource(await clientFor(context.projectId).getImage(imageId, callOptions(context)))];
      } catch (error) {
        if ((error as { kind?: unknown }).kind === 'not_found') return [];
        throw error;
      }
    },
  };
  return { protection, protectable };
}
