/**
 * The hooks of the Cinder volume plugin: protect (a Cinder backup, incremental when possible),
 * verify (presence: the backup still exists, is `available`, sizes as recorded), restore (a new
 * volume from the backup), delete (the backup, refused while later incrementals depend on it)
 * and copy (the exported backup record). See `docs/plugins/cinder-volume.md`.
 *
 * @module
 */
import { BankError, ConflictError, PluginError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import type { CopyContext, DeleteContext, Operation, ProtectContext, RestoreContext, VerifyContext } from '../../core/operation.js';
import type { Logger } from '../../core/logger.js';
import { resourceKey } from '../../core/resource.js';
import type { CinderBackup, CinderClient, CinderVolume } from '../../clients/index.js';
import { sleep } from '../../clients/http.js';
import { readBackupRecord, readSavedInfo, type StoredBackupRecord } from './saved-info.js';
import {
  BACKUP_RECORD_KEY,
  SAVED_INFO_FORMAT,
  SAVED_INFO_KEY,
  type CinderVolumeOptions,
  type CinderVolumeRestoreParameters,
  type SavedBackup,
  type SavedInfo,
} from './schemas.js';

/** What the operations share (resolved plugin options). */
export interface CinderVolumeSettings {
  /** The plugin's name (written into backup metadata). */
  readonly name: string;
  /** The Cinder client acting for a project. */
  readonly clientFor: (projectId: string) => CinderClient;
  /** First pause between two status polls. */
  readonly pollIntervalMs: number;
  /** Longest pause between two status polls. */
  readonly maxPollIntervalMs: number;
  /** How long a backup, a restore or a deletion may take. */
  readonly backupTimeoutMs: number;
  /** How long to wait for a busy volume or backup to settle before acting on it. */
  readonly settleTimeoutMs: number;
}

const USABLE_VOLUME = new Set(['available', 'in-use']);
/** Backup statuses that will change on their own (Cinder refuses to delete a backup in them). */
const BUSY_BACKUP = new Set(['creating', 'restoring', 'deleting', 'backing-up']);
/** Volume statuses that will change on their own. */
const BUSY_VOLUME = new Set(['creating', 'restoring-backup', 'downloading', 'backing-up', 'attaching', 'detaching', 'deleting', 'extending']);

const isNotFound = (error: unknown): boolean => isFrameworkError(error) && error.kind === 'not_found';

function rethrowCancel(error: unknown, signal: AbortSignal): void {
  if (isCancellation(error) || signal.aborted) throw error;
}

function describeBackup(backup: CinderBackup): string {
  return `status ${backup.status}${backup.fail_reason ? ` (${backup.fail_reason})` : ''}`;
}

/** Polls `load` until `settled` says so, the signal aborts or `timeoutMs` passes; resolves the last state. */
async function settle<T>(load: () => Promise<T>, settled: (value: T) => boolean, settings: CinderVolumeSettings, signal: AbortSignal, timeoutMs: number): Promise<T> {
  const started = Date.now();
  let interval = settings.pollIntervalMs;
  for (;;) {
    const value = await load();
    if (settled(value) || Date.now() - started + interval > timeoutMs) return value;
    await sleep(interval, signal);
    interval = Math.min(settings.maxPollIntervalMs, Math.round(interval * 1.5));
  }
}

/**
 * The volume's newest backup (by data timestamp, any status): the one Cinder bases an
 * incremental backup on — and refuses to when it is not `available`.
 */
async function latestBackup(cinder: CinderClient, volumeId: string, signal: AbortSignal): Promise<CinderBackup | undefined> {
  let latest: CinderBackup | undefined;
  for await (const backup of cinder.backups({ volume_id: volumeId }, { signal })) {
    if (backup.volume_id !== volumeId || backup.status === 'deleted') continue;
    const at = (b: CinderBackup): string => b.data_timestamp ?? b.created_at;
    if (latest === undefined || at(backup) > at(latest)) latest = backup;
  }
  return latest;
}

/** The parent id recorded in an exported record (Cinder's API view does not show it). */
async function parentOf(cinder: CinderClient, backupId: string, signal: AbortSignal, logger: Logger): Promise<string | undefined> {
  try {
    const record = await cinder.exportBackupRecord(backupId, { signal });
    const fields = JSON.parse(Buffer.from(record.backup_url, 'base64').toString('utf8')) as { parent_id?: unknown };
    return typeof fields.parent_id === 'string' ? fields.parent_id : undefined;
  } catch (error) {
    rethrowCancel(error, signal);
    logger.warn('Could not read the incremental backup’s parent from its exported record', { backupId, error: messageOf(error) });
    return undefined;
  }
}

/** Waits until a backup can be deleted, deletes it and waits until it is gone (absent = done). */
async function removeBackup(cinder: CinderClient, backupId: string, settings: CinderVolumeSettings, signal: AbortSignal): Promise<void> {
  let backup: CinderBackup;
  try {
    backup = await settle(() => cinder.getBackup(backupId, { signal }), (b) => !BUSY_BACKUP.has(b.status), settings, signal, settings.settleTimeoutMs);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (backup.status === 'deleting') {
    await cinder.waitForBackupDeleted(backupId, { signal, intervalMs: settings.pollIntervalMs, maxIntervalMs: settings.maxPollIntervalMs, timeoutMs: settings.backupTimeoutMs });
    return;
  }
  if (BUSY_BACKUP.has(backup.status)) throw new PluginError(`Cinder backup ${backupId} is still ${backup.status} after ${settings.settleTimeoutMs} ms: it cannot be deleted yet`, { details: { backupId, status: backup.status } });
  if (!(await cinder.deleteBackup(backupId, { signal, ignoreMissing: true }))) return;
  await cinder.waitForBackupDeleted(backupId, { signal, intervalMs: settings.pollIntervalMs, maxIntervalMs: settings.maxPollIntervalMs, timeoutMs: settings.backupTimeoutMs });
}

/** Waits until a volume can be deleted, deletes it and waits until it is gone (absent = done). */
async function removeVolume(cinder: CinderClient, volumeId: string, settings: CinderVolumeSettings, signal: AbortSignal): Promise<void> {
  try {
    await settle(() => cinder.getVolume(volumeId, { signal }), (v) => !BUSY_VOLUME.has(v.status), settings, signal, settings.settleTimeoutMs);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (!(await cinder.deleteVolume(volumeId, { signal, ignoreMissing: true }))) return;
  await cinder.waitForVolumeDeleted(volumeId, { signal, intervalMs: settings.pollIntervalMs, maxIntervalMs: settings.maxPollIntervalMs, timeoutMs: settings.backupTimeoutMs });
}

/** Progress for a wait: Cinder shows no bytes, so each state read is logged (status changes at info). */
function pollLogger<T extends { readonly status: string }>(logger: Logger, what: string, id: string): (resource: T, elapsedMs: number) => void {
  let last = '';
  return (resource, elapsedMs) => {
    if (resource.status !== last) logger.info(`${what} status ${resource.status}`, { id, status: resource.status, elapsedMs });
    else logger.debug(`${what} status ${resource.status}`, { id, status: resource.status, elapsedMs });
    last = resource.status;
  };
}

/** The protect operation of one volume. */
export function createProtectOperation(settings: CinderVolumeSettings): Operation<ProtectContext<CinderVolumeOptions>> {
  let created: string | undefined;
  return {
    async onMain(context) {
      await protectMain(context);
    },
    async onRevert(context) {
      await revertProtect(context);
    },
  };

  async function protectMain(context: ProtectContext<CinderVolumeOptions>): Promise<void> {
    const { signal, logger, resource, checkpoint } = context;
    const cinder = settings.clientFor(checkpoint.projectId);
    const force = context.parameters.force ?? false;
    const mode = context.parameters.backup_mode ?? 'auto';

    let volume: CinderVolume;
    try {
      volume = await settle(() => cinder.getVolume(resource.id, { signal }), (v) => !BUSY_VOLUME.has(v.status), settings, signal, settings.settleTimeoutMs);
    } catch (error) {
      rethrowCancel(error, signal);
      throw new PluginError(`Volume ${resource.id} could not be read from Cinder: ${messageOf(error)}`, { cause: error, details: { volumeId: resource.id } });
    }
    if (!USABLE_VOLUME.has(volume.status)) {
      throw new PluginError(`Volume ${volume.id} cannot be backed up: its status is ${volume.status} (Cinder backs up only available or in-use volumes)`, { details: { volumeId: volume.id, status: volume.status } });
    }
    if (volume.status === 'in-use' && !force) {
      throw new PluginError(`Volume ${volume.id} is in-use (attached): set the protect option force: true to back it up while attached (crash-consistent)`, { details: { volumeId: volume.id, status: volume.status } });
    }
    const latest = mode === 'full' ? undefined : await latestBackup(cinder, volume.id, signal);
    if (mode === 'incremental' && latest?.status !== 'available') {
      const why = latest === undefined ? 'it has no backup' : `its newest backup ${latest.id} has ${describeBackup(latest)}`;
      throw new PluginError(`Volume ${volume.id} cannot be backed up incrementally (backup_mode incremental): ${why}; use auto or full`, { details: { volumeId: volume.id, latestBackupId: latest?.id } });
    }
    if (latest !== undefined && latest.status !== 'available') {
      logger.warn('Full backup: Cinder cannot base an incremental on the volume’s newest backup', { volumeId: volume.id, latestBackupId: latest.id, status: latest.status });
    }
    const base = latest?.status === 'available' ? latest : undefined;
    const incremental = base !== undefined;
    const name = context.parameters.backup_name ?? `karbor-${checkpoint.id}`;
    let summary;
    try {
      summary = await cinder.createBackup(
        {
          volume_id: volume.id,
          name,
          ...(context.parameters.description === undefined ? {} : { description: context.parameters.description }),
          ...(context.parameters.container === undefined ? {} : { container: context.parameters.container }),
          incremental,
          force,
          metadata: { karbor_checkpoint: checkpoint.id, karbor_resource: resource.id, karbor_plugin: settings.name },
        },
        { signal },
      );
    } catch (error) {
      rethrowCancel(error, signal);
      throw new PluginError(`Cinder refused to back up volume ${volume.id}${incremental ? ` (incremental on ${base.id})` : ''}: ${messageOf(error)}`, { cause: error, details: { volumeId: volume.id } });
    }
    created = summary.id;
    const savedVolume = {
      id: volume.id,
      name: volume.name,
      size: volume.size,
      volumeType: volume.volume_type,
      availabilityZone: volume.availability_zone,
      status: volume.status,
      bootable: String(volume.bootable) === 'true',
    };
    const started: SavedInfo = {
      format: SAVED_INFO_FORMAT,
      state: 'creating',
      resource: { type: resource.type, id: resource.id },
      checkpointId: checkpoint.id,
      volume: savedVolume,
      backup: { id: summary.id, name: summary.name, incremental, ...(incremental ? { parentId: base.id } : {}), forced: force },
      savedAt: new Date().toISOString(),
    };
    // Written at once, so a revert or a later delete can find the backup even if we stop here.
    await context.bank.putJson(SAVED_INFO_KEY, started);
    logger.info('Cinder backup started', { backupId: summary.id, volumeId: volume.id, incremental, parentId: base?.id, force });

    let backup: CinderBackup;
    try {
      backup = await cinder.waitForBackup(summary.id, {
        signal,
        intervalMs: settings.pollIntervalMs,
        maxIntervalMs: settings.maxPollIntervalMs,
        timeoutMs: settings.backupTimeoutMs,
        onPoll: pollLogger(logger, 'Cinder backup', summary.id),
      });
    } catch (error) {
      rethrowCancel(error, signal);
      throw new PluginError(`Cinder backup ${summary.id} of volume ${volume.id} failed: ${messageOf(error)}`, { cause: error, details: { backupId: summary.id, volumeId: volume.id } });
    }
    const parentId = incremental ? ((await parentOf(cinder, backup.id, signal, logger)) ?? base.id) : undefined;
    const savedBackup: SavedBackup = {
      id: backup.id,
      name: backup.name,
      size: backup.size,
      objectCount: backup.object_count,
      container: backup.container,
      createdAt: backup.created_at,
      dataTimestamp: backup.data_timestamp,
      availabilityZone: backup.availability_zone,
      incremental: backup.is_incremental,
      ...(parentId === undefined ? {} : { parentId }),
      forced: force,
    };
    signal.throwIfAborted();
    await context.bank.putJson(SAVED_INFO_KEY, { ...started, state: 'available', backup: savedBackup, savedAt: new Date().toISOString() } satisfies SavedInfo);
    context.progress.fraction(1);
    logger.info('Volume protected', { backupId: backup.id, volumeId: volume.id, incremental: backup.is_incremental, parentId, objectCount: backup.object_count });
  }

  async function revertProtect(context: ProtectContext<CinderVolumeOptions>): Promise<void> {
    const cinder = settings.clientFor(context.checkpoint.projectId);
    if (created !== undefined) {
      const id = created;
      try {
        await removeBackup(cinder, id, settings, context.signal);
        created = undefined;
        context.logger.info('Reverted: the Cinder backup this protect created was deleted', { backupId: id });
      } catch (error) {
        throw new PluginError(`Reverting the protect of volume ${context.resource.id}: Cinder backup ${id} could not be deleted: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
      }
    }
    await context.bank.delete(SAVED_INFO_KEY);
  }
}

/** The verify operation (presence level) of one volume. */
export function createVerifyOperation(settings: CinderVolumeSettings): Operation<VerifyContext> {
  return {
    async onMain(context) {
      const { signal } = context;
      const saved = await readSavedInfo(context.bank, { resourceId: context.resource.id });
      const id = saved.backup.id;
      if (saved.state !== 'available') {
        throw new BankError(`Cinder backup ${id}: ${SAVED_INFO_KEY} records it as still being created (the protect never completed)`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key: SAVED_INFO_KEY, backupId: id } });
      }
      const cinder = settings.clientFor(context.checkpoint.projectId);
      let backup: CinderBackup;
      try {
        backup = await cinder.getBackup(id, { signal });
      } catch (error) {
        rethrowCancel(error, signal);
        if (isNotFound(error)) {
          const where = saved.copy === undefined ? '' : ' (this is a copy: its record was not imported into this Cinder)';
          throw new BankError(`Cinder backup ${id} of volume ${saved.volume.id} is missing: Cinder does not know it${where}`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { backupId: id, problem: 'missing' } });
        }
        throw new PluginError(`Cinder backup ${id} could not be read: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
      }
      const problems: string[] = [];
      if (backup.status !== 'available') problems.push(`${describeBackup(backup)}, expected available`);
      if (backup.volume_id !== saved.volume.id) problems.push(`it belongs to volume ${backup.volume_id}, expected ${saved.volume.id}`);
      if (saved.backup.size !== undefined && backup.size !== saved.backup.size) problems.push(`size ${backup.size} GiB, expected ${saved.backup.size} GiB`);
      if (saved.backup.objectCount !== undefined && backup.object_count !== saved.backup.objectCount) problems.push(`object_count ${backup.object_count}, expected ${saved.backup.objectCount}`);
      if (problems.length > 0) {
        throw new BankError(`Cinder backup ${id} of volume ${saved.volume.id}: ${problems.join('; ')}`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { backupId: id, problems, status: backup.status } });
      }
      context.progress.fraction(1);
      context.logger.info('Cinder backup verified', { level: context.level, backupId: id, size: backup.size, objectCount: backup.object_count });
    },
  };
}

/** The restore operation of one volume: a new volume from the backup. */
export function createRestoreOperation(settings: CinderVolumeSettings): Operation<RestoreContext<CinderVolumeRestoreParameters>> {
  let created: string | undefined;
  return {
    async onMain(context) {
      const { signal, logger, resource, checkpoint, parameters } = context;
      const saved = await readSavedInfo(context.bank, { resourceId: resource.id });
      const id = saved.backup.id;
      if (saved.state !== 'available') throw new PluginError(`Cinder backup ${id} was never completed (${SAVED_INFO_KEY} records it as creating): nothing to restore`, { details: { backupId: id } });
      const cinder = settings.clientFor(checkpoint.projectId);
      const waits = { signal, intervalMs: settings.pollIntervalMs, maxIntervalMs: settings.maxPollIntervalMs, timeoutMs: settings.backupTimeoutMs };
      let backup: CinderBackup | undefined;
      try {
        backup = await cinder.getBackup(id, { signal });
      } catch (error) {
        rethrowCancel(error, signal);
        if (!isNotFound(error)) throw new PluginError(`Cinder backup ${id} could not be read: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
      }
      if (backup === undefined) {
        const record = await readBackupRecord(context.bank);
        if (record === undefined) throw new PluginError(`Cinder backup ${id} of volume ${saved.volume.id} is missing: Cinder does not know it, and this checkpoint holds no exported record to import`, { details: { backupId: id } });
        backup = await importRecord(cinder, record, waits, logger);
      }
      try {
        if (backup.status !== 'available') backup = await cinder.waitForBackup(id, waits);
      } catch (error) {
        rethrowCancel(error, signal);
        throw new PluginError(`Cinder backup ${id} is not available to restore from: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
      }
      const name = parameters.restore_name ?? `${checkpoint.id}@${resource.id}`;
      // No metadata of our own: Cinder gives the restored volume the backed-up volume's metadata
      // (plus `src_backup_id`), replacing whatever the create request set.
      let volume: CinderVolume;
      try {
        volume = await cinder.createVolume(
          {
            size: backup.size,
            backup_id: id,
            name,
            ...(parameters.restore_description === undefined ? {} : { description: parameters.restore_description }),
            ...(parameters.volume_type === undefined ? {} : { volume_type: parameters.volume_type }),
            ...(parameters.availability_zone === undefined ? {} : { availability_zone: parameters.availability_zone }),
          },
          { signal },
        );
      } catch (error) {
        rethrowCancel(error, signal);
        throw new PluginError(`Cinder refused to create a volume from backup ${id}: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
      }
      created = volume.id;
      logger.info('Restoring Cinder backup into a new volume', { backupId: id, volumeId: volume.id, name });
      try {
        volume = await cinder.waitForVolume(volume.id, { ...waits, onPoll: pollLogger(logger, 'Restored volume', volume.id) });
      } catch (error) {
        rethrowCancel(error, signal);
        throw new PluginError(`Restoring Cinder backup ${id} into volume ${volume.id} failed: ${messageOf(error)}`, { cause: error, details: { backupId: id, volumeId: volume.id } });
      }
      context.newResources.set(resourceKey(resource), { type: resource.type, id: volume.id, name: volume.name ?? name });
      context.progress.fraction(1);
      logger.info('Volume restored', { backupId: id, volumeId: volume.id });
    },

    async onRevert(context) {
      if (created === undefined) return;
      const id = created;
      try {
        await removeVolume(settings.clientFor(context.checkpoint.projectId), id, settings, context.signal);
        created = undefined;
      } catch (error) {
        throw new PluginError(`Reverting the restore of volume ${context.resource.id}: the new volume ${id} could not be deleted: ${messageOf(error)}`, { cause: error, details: { volumeId: id } });
      }
    },
  };
}

/** Imports a copy's record into this Cinder and waits until the backup service accepted it. */
async function importRecord(
  cinder: CinderClient,
  stored: StoredBackupRecord,
  waits: { signal: AbortSignal; intervalMs: number; maxIntervalMs: number; timeoutMs: number },
  logger: Logger,
): Promise<CinderBackup> {
  try {
    const imported = await cinder.importBackupRecord(stored.record, { signal: waits.signal });
    logger.info('Imported the copied Cinder backup record', { backupId: imported.id, backupService: stored.record.backup_service });
    return await cinder.waitForBackup(imported.id, waits);
  } catch (error) {
    rethrowCancel(error, waits.signal);
    throw new PluginError(`Cinder backup ${stored.backupId} is not in this Cinder and importing its record (${stored.record.backup_service}) failed: ${messageOf(error)}`, {
      cause: error,
      details: { backupId: stored.backupId },
    });
  }
}

/** Later incremental backups of the same volume (candidates for depending on `backup`), for messages. */
async function laterIncrementals(cinder: CinderClient, backup: CinderBackup, signal: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const other of cinder.backups({ volume_id: backup.volume_id }, { signal })) {
      if (other.id === backup.id || !other.is_incremental || (other.data_timestamp ?? other.created_at) <= (backup.data_timestamp ?? backup.created_at)) continue;
      // The list view may omit metadata; read the backup itself for its checkpoint.
      const metadata = other.metadata ?? (await cinder.getBackup(other.id, { signal }).catch(() => undefined))?.metadata;
      const checkpoint = metadata?.['karbor_checkpoint'];
      found.push(`${other.id}${checkpoint === undefined ? '' : ` (checkpoint ${checkpoint})`}`);
    }
  } catch (error) {
    rethrowCancel(error, signal);
  }
  return found;
}

/**
 * The delete operation of one volume: deletes the Cinder backup, then the bank documents. A
 * backup with dependent incrementals is refused with `KTS_ERR_CONFLICT` (nothing is deleted);
 * a copy's documents are removed without touching the backup, which belongs to the source
 * checkpoint.
 */
export function createDeleteOperation(settings: CinderVolumeSettings): Operation<DeleteContext> {
  return {
    async onMain(context) {
      const { signal, logger } = context;
      const saved = await readSavedInfo(context.bank, { allowMissing: true });
      if (saved !== undefined && saved.copy === undefined) {
        if (saved.resource.id !== context.resource.id) {
          throw new PluginError(`${SAVED_INFO_KEY} of volume ${context.resource.id} names volume ${saved.resource.id} (Cinder backup ${saved.backup.id}): not deleting another resource's backup`, {
            details: { backupId: saved.backup.id },
          });
        }
        const cinder = settings.clientFor(context.checkpoint.projectId);
        const id = saved.backup.id;
        let backup: CinderBackup | undefined;
        try {
          backup = await cinder.getBackup(id, { signal });
        } catch (error) {
          rethrowCancel(error, signal);
          if (!isNotFound(error)) throw new PluginError(`Cinder backup ${id} could not be read: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
        }
        if (backup !== undefined && backup.has_dependent_backups) {
          const later = await laterIncrementals(cinder, backup, signal);
          throw new ConflictError(
            `Cinder backup ${id} of volume ${backup.volume_id} cannot be deleted: later incremental backups depend on it${later.length > 0 ? ` (${later.join(', ')})` : ''}. Delete the checkpoints that made them first, newest first; nothing was deleted`,
            { details: { backupId: id, volumeId: backup.volume_id, dependents: later } },
          );
        }
        if (backup !== undefined) {
          try {
            await removeBackup(cinder, id, settings, signal);
          } catch (error) {
            rethrowCancel(error, signal);
            throw new PluginError(`Cinder backup ${id} could not be deleted: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
          }
          logger.info('Cinder backup deleted', { backupId: id });
        } else {
          logger.warn('The Cinder backup was already gone', { backupId: id });
        }
      } else if (saved?.copy !== undefined) {
        logger.info('Deleting a copy: the Cinder backup stays with its source checkpoint', { backupId: saved.backup.id, source: saved.copy.sourceCheckpointId });
      }
      await context.bank.delete(BACKUP_RECORD_KEY);
      await context.bank.delete(SAVED_INFO_KEY);
    },
  };
}

/**
 * The copy operation of one volume: exports the backup's record and writes it, with the saved
 * info, into the destination section. Cinder's backup data is not moved.
 */
export function createCopyOperation(settings: CinderVolumeSettings): Operation<CopyContext> {
  let written = false;
  return {
    async onMain(context) {
      const { signal } = context;
      const saved = await readSavedInfo(context.bank, { resourceId: context.resource.id });
      const id = saved.backup.id;
      if (saved.state !== 'available') throw new PluginError(`Cinder backup ${id} was never completed (${SAVED_INFO_KEY} records it as creating): nothing to copy`, { details: { backupId: id } });
      const cinder = settings.clientFor(context.checkpoint.projectId);
      let stored: StoredBackupRecord;
      try {
        const record = await cinder.exportBackupRecord(id, { signal });
        stored = { backupId: id, exportedAt: new Date().toISOString(), record };
      } catch (error) {
        rethrowCancel(error, signal);
        const existing = isNotFound(error) ? await readBackupRecord(context.bank) : undefined;
        if (existing === undefined) throw new PluginError(`The record of Cinder backup ${id} could not be exported: ${messageOf(error)}`, { cause: error, details: { backupId: id } });
        stored = existing; // a copy of a copy whose backup is not in this Cinder: pass its record on
      }
      written = true;
      await context.destination.putJson(BACKUP_RECORD_KEY, stored);
      const copy = { sourceCheckpointId: saved.copy?.sourceCheckpointId ?? context.checkpoint.id, exportedAt: stored.exportedAt, backupService: stored.record.backup_service };
      await context.destination.putJson(SAVED_INFO_KEY, { ...saved, copy } satisfies SavedInfo);
      context.progress.fraction(1);
      context.logger.info('Cinder backup record copied', { backupId: id, backupService: stored.record.backup_service });
    },
    async onRevert(context) {
      if (!written) return;
      await context.destination.delete(SAVED_INFO_KEY);
      await context.destination.delete(BACKUP_RECORD_KEY);
    },
  };
}
