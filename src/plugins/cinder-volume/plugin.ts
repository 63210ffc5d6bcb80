/**
 * The Cinder volume plugin (`OS::Cinder::Volume`): protects volumes as Cinder backups
 * (incremental when the volume already has one), verifies at presence level that each backup is
 * still in place (exists, `available`, size and object count as recorded), restores into a new
 * volume, deletes the backup, and copies the backup's exported record to another bank so a
 * Cinder elsewhere can import it. The bank holds only `backup.json` (and, in a copy,
 * `backup-record.json`); the data stays in Cinder's backup store. See
 * `docs/plugins/cinder-volume.md`.
 *
 * @module
 */
import { ValidationError } from '../../core/errors.js';
import type { CopyOperation, ProtectablePlugin, ProtectionPlugin, VerificationOperation } from '../../core/plugin.js';
import type { Resource } from '../../core/resource.js';
import { CinderClient, type CinderVolume } from '../../clients/index.js';
import { createCopyOperation, createDeleteOperation, createProtectOperation, createRestoreOperation, createVerifyOperation, type CinderVolumeSettings } from './operations.js';
import { CINDER_VOLUME_TYPE, COPY_SCHEMA, NOVA_SERVER_TYPE, OPTIONS_SCHEMA, RESTORE_SCHEMA, SAVED_INFO_SCHEMA, VERIFY_SCHEMA } from './schemas.js';

/** Options of {@link createCinderVolumePlugin}. */
export interface CinderVolumePluginOptions {
  /**
   * The Cinder to talk to: one client (bound to one project's endpoint), or a function giving
   * the client acting for a project (the checkpoint's, or the caller's when listing).
   */
  readonly cinder: CinderClient | ((projectId: string) => CinderClient);
  /** The plugin's name (protection and protectable). @default `cinder-volume` */
  readonly name?: string;
  /** First pause between two status polls, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Longest pause between two status polls, in ms. @default 5000 */
  readonly maxPollIntervalMs?: number;
  /** How long a backup, a restore or a deletion may take, in ms. @default 1 800 000 (30 min) */
  readonly backupTimeoutMs?: number;
  /** How long to wait for a busy volume or backup (e.g. `backing-up`) to settle first, in ms. @default 600 000 */
  readonly settleTimeoutMs?: number;
}

/** The two plugins {@link createCinderVolumePlugin} returns. */
export interface CinderVolumePlugins {
  /** Protect, restore, delete, verify (presence) and copy (the backup record). */
  readonly protection: ProtectionPlugin & VerificationOperation & CopyOperation;
  /** Lists the project's volumes; dependents of `OS::Nova::Server` (attached volumes). */
  readonly protectable: ProtectablePlugin;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 1) {
    throw new ValidationError(`Expected \`${name}\` to be an integer ≥ 1 (ms), got \`${String(value)}\``, { code: 'KTS_ERR_INVALID_OPTION', details: { option: name } });
  }
  return result;
}

/** The resource a volume is listed as. */
export function volumeResource(volume: CinderVolume): Resource {
  return {
    type: CINDER_VOLUME_TYPE,
    id: volume.id,
    name: volume.name ?? volume.id,
    extraInfo: { size: volume.size, status: volume.status, volume_type: volume.volume_type, availability_zone: volume.availability_zone, bootable: volume.bootable },
  };
}

/** Creates the Cinder volume protection and protectable plugins. */
export function createCinderVolumePlugin(options: CinderVolumePluginOptions): CinderVolumePlugins {
  const { cinder } = options ?? {};
  if (!(cinder instanceof CinderClient) && typeof cinder !== 'function') {
    throw new ValidationError('Expected `cinder` to be a CinderClient or a function of a project id', { code: 'KTS_ERR_INVALID_OPTION', details: { option: 'cinder' } });
  }
  const name = options.name ?? 'cinder-volume';
  const settings: CinderVolumeSettings = {
    name,
    clientFor: typeof cinder === 'function' ? cinder : () => cinder,
    pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, 1000),
    maxPollIntervalMs: positive('maxPollIntervalMs', options.maxPollIntervalMs, 5000),
    backupTimeoutMs: positive('backupTimeoutMs', options.backupTimeoutMs, 1_800_000),
    settleTimeoutMs: positive('settleTimeoutMs', options.settleTimeoutMs, 600_000),
  };

  const protection: ProtectionPlugin & VerificationOperation & CopyOperation = {
    name,
    version: '0.1.0',
    description: 'Backs up Cinder volumes as Cinder backups (incremental when possible); verifies they are still in place; restores into new volumes; copies backup records.',
    resourceTypes: {
      [CINDER_VOLUME_TYPE]: { options: OPTIONS_SCHEMA, restore: RESTORE_SCHEMA, verify: VERIFY_SCHEMA, copy: COPY_SCHEMA, savedInfo: SAVED_INFO_SCHEMA },
    },
    verificationLevels: ['presence'],
    getProtectOperation: () => createProtectOperation(settings),
    getRestoreOperation: () => createRestoreOperation(settings),
    getDeleteOperation: () => createDeleteOperation(settings),
    getVerifyOperation: () => createVerifyOperation(settings),
    getCopyOperation: () => createCopyOperation(settings),
  };

  const protectable: ProtectablePlugin = {
    name,
    resourceType: CINDER_VOLUME_TYPE,
    parentResourceTypes: [NOVA_SERVER_TYPE],
    async listResources(context) {
      const resources: Resource[] = [];
      for await (const volume of settings.clientFor(context.projectId).volumes({}, context.signal === undefined ? {} : { signal: context.signal })) resources.push(volumeResource(volume));
      return resources;
    },
    async showResource(context, id) {
      return volumeResource(await settings.clientFor(context.projectId).getVolume(id, context.signal === undefined ? {} : { signal: context.signal }));
    },
    async getDependentResources(context, parent) {
      if (parent.type !== NOVA_SERVER_TYPE) return [];
      const resources: Resource[] = [];
      for await (const volume of settings.clientFor(context.projectId).volumes({}, context.signal === undefined ? {} : { signal: context.signal })) {
        const attached = volume.attachments.some((attachment) => (attachment as { server_id?: unknown }).server_id === parent.id);
        if (attached) resources.push(volumeResource(volume));
      }
      return resources;
    },
  };
  return { protection, protectable };
}
