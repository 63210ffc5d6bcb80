/**
 * A Cinder (block storage) v3 client for what protection plugins need: volumes (create, get,
 * list, delete, reset status, wait), backups (create full or incremental, get, list, delete,
 * reset status, wait), restoring a backup to a volume, and exporting / importing a backup's
 * record (`GET /backups/{id}/export_record`, `POST /backups/import_record`), which moves a
 * backup's *metadata* to another Cinder whose backup service can reach the same (or a copied)
 * backup data, e.g. in another region.
 *
 * The endpoint is Cinder's project URL, `…/v3/<project_id>` (the catalog's `block-storage` /
 * `volumev3` entry, or {@link cinderNoAuth} for a Keystone-less Cinder). Requests carry
 * `OpenStack-API-Version: volume <microversion>` (default {@link DEFAULT_CINDER_MICROVERSION}).
 *
 * Progress: Cinder's API shows no progress of a running backup or restore (its chunked backup
 * drivers report progress only as notifications); the `onPoll` callback of the waits gets each
 * state read and the elapsed time, which is all there is to report.
 *
 * @module
 */
import { trimUrl, type ResolvedEndpoint, type ServiceEndpoint } from './endpoint.js';
import { HttpClient, type ClientOptions } from './http.js';
import { pollUntil, pollUntilGone, type PollVerdict, type WaitOptions } from './wait.js';

/**
 * The microversion sent by default: 3.50 (Rocky). It has backup metadata (3.43) and volume
 * creation from a backup (`backup_id`, 3.47); Cinder answers 406 when it is older.
 */
export const DEFAULT_CINDER_MICROVERSION = '3.50';

/** A volume as Cinder shows it (the fields plugins use, plus the rest). */
export interface CinderVolume {
  /** The volume's id. */
  readonly id: string;
  /** `creating`, `available`, `in-use`, `backing-up`, `restoring-backup`, `deleting`, `error`, … */
  readonly status: string;
  /** Size in GiB. */
  readonly size: number;
  /** Its name. */
  readonly name: string | null;
  /** Its description. */
  readonly description: string | null;
  /** The volume type's name. */
  readonly volume_type: string | null;
  /** The availability zone. */
  readonly availability_zone: string | null;
  /** `"true"` or `"false"` (a string, as Cinder answers). */
  readonly bootable: string;
  /** Whether it is encrypted. */
  readonly encrypted: boolean;
  /** User metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Attachments to servers. */
  readonly attachments: readonly unknown[];
  /** The snapshot it was created from. */
  readonly snapshot_id: string | null;
  /** The volume it was cloned from. */
  readonly source_volid: string | null;
  /** Creation time (ISO 8601, no zone: UTC). */
  readonly created_at: string;
  /** Last update. */
  readonly updated_at: string | null;
  /** Other fields (`os-vol-tenant-attr:tenant_id`, `multiattach`, …). */
  readonly [field: string]: unknown;
}

/** The body of {@link CinderClient.createVolume}. */
export interface CinderVolumeCreate {
  /** Size in GiB. */
  readonly size: number;
  /** Its name. */
  readonly name?: string;
  /** Its description. */
  readonly description?: string;
  /** The volume type. */
  readonly volume_type?: string;
  /** The availability zone. */
  readonly availability_zone?: string;
  /** Create from this snapshot. */
  readonly snapshot_id?: string;
  /** Clone this volume. */
  readonly source_volid?: string;
  /** Create from this Glance image. */
  readonly imageRef?: string;
  /** Create from this backup (microversion ≥ 3.47). */
  readonly backup_id?: string;
  /** User metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A backup as Cinder shows it. */
export interface CinderBackup {
  /** The backup's id. */
  readonly id: string;
  /** `creating`, `available`, `restoring`, `deleting`, `error`, `error_restoring`, … */
  readonly status: string;
  /** The backed-up volume's size in GiB. */
  readonly size: number;
  /** How many objects (chunks) the backup service stored. */
  readonly object_count: number;
  /** The backup's container (a directory for the POSIX driver, a Swift container, …). */
  readonly container: string | null;
  /** Its name. */
  readonly name: string | null;
  /** Its description. */
  readonly description: string | null;
  /** Why it failed (status `error`). */
  readonly fail_reason: string | null;
  /** The backed-up volume. */
  readonly volume_id: string;
  /** The snapshot it was taken from, if any. */
  readonly snapshot_id: string | null;
  /** Whether it is incremental (depends on an earlier backup). */
  readonly is_incremental: boolean;
  /** Whether later incremental backups depend on it (it cannot be deleted before them). */
  readonly has_dependent_backups: boolean;
  /** When the backed-up data was taken. */
  readonly data_timestamp: string | null;
  /** The availability zone. */
  readonly availability_zone: string | null;
  /** Creation time. */
  readonly created_at: string;
  /** Last update. */
  readonly updated_at: string | null;
  /** User metadata (microversion ≥ 3.43). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Other fields (`os-backup-project-attr:project_id`, `user_id`, …). */
  readonly [field: string]: unknown;
}

/** The body of {@link CinderClient.createBackup}. */
export interface CinderBackupCreate {
  /** The volume to back up. */
  readonly volume_id: string;
  /** Its name. */
  readonly name?: string;
  /** Its description. */
  readonly description?: string;
  /** Back up only what changed since the volume's latest backup (which must be `available`). */
  readonly incremental?: boolean;
  /** Back up an attached (`in-use`) volume. */
  readonly force?: boolean;
  /** Back up this snapshot of the volume. */
  readonly snapshot_id?: string;
  /** The backup service's container to use. */
  readonly container?: string;
  /** User metadata (microversion ≥ 3.43). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The availability zone of the backup service (microversion ≥ 3.51). */
  readonly availability_zone?: string;
}

/** What {@link CinderClient.restoreBackup} answers. */
export interface CinderRestore {
  /** The restored backup. */
  readonly backup_id: string;
  /** The volume being written (new or given). */
  readonly volume_id: string;
  /** That volume's name. */
  readonly volume_name: string | null;
}

/** A backup's exported record: opaque, for {@link CinderClient.importBackupRecord} on another Cinder. */
export interface CinderBackupRecord {
  /** The backup driver that can read the data, e.g. `cinder.backup.drivers.posix.PosixBackupDriver`. */
  readonly backup_service: string;
  /** The record itself (base64 JSON of the backup's fields, including its container). */
  readonly backup_url: string;
}

/**
 * What {@link CinderClient.createBackup} and {@link CinderClient.importBackupRecord} answer:
 * only the backup's id and name (read the rest with {@link CinderClient.getBackup}).
 */
export interface CinderBackupSummary {
  /** The backup's id. */
  readonly id: string;
  /** Its name. */
  readonly name: string | null;
  /** Links to it. */
  readonly links?: readonly unknown[];
}

/** Filters and paging of the list calls (Cinder's query parameters). */
export interface CinderListQuery {
  /** Page size. */
  readonly limit?: number;
  /** The last id of the previous page. */
  readonly marker?: string;
  /** Sort, e.g. `created_at:desc`. */
  readonly sort?: string;
  /** Every project's (admin). */
  readonly all_tenants?: boolean;
  /** Other filters (`status`, `name`, `volume_id`, …). */
  readonly [filter: string]: string | number | boolean | undefined;
}

/** Per-call options. */
export interface CinderCallOptions {
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  readonly timeoutMs?: number;
}

/** Options of the delete calls. */
export interface CinderDeleteOptions extends CinderCallOptions {
  /** Resolve (with `false`) instead of throwing when it does not exist. */
  readonly ignoreMissing?: boolean;
  /** Volumes: delete their snapshots too. Backups: force-delete whatever the status (admin). */
  readonly force?: boolean;
}

/** Options of {@link CinderClient}. */
export interface CinderClientOptions extends ClientOptions {
  /** Cinder's project endpoint (`…/v3/<project_id>`) and credentials. */
  readonly endpoint: ServiceEndpoint;
  /** The microversion to request. @default {@link DEFAULT_CINDER_MICROVERSION} */
  readonly microversion?: string;
}

const volumePath = (id: string): string => `/volumes/${encodeURIComponent(id)}`;
const backupPath = (id: string): string => `/backups/${encodeURIComponent(id)}`;
const BACKUP_WAIT_MS = 1_800_000;

function nextMarker(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const next = (links as { rel?: unknown; href?: unknown }[]).find((link) => link.rel === 'next' && typeof link.href === 'string');
  return next === undefined ? undefined : (new URLSearchParams(String(next.href).split('?')[1] ?? '').get('marker') ?? undefined);
}

interface Stateful {
  readonly status: string;
  readonly fail_reason?: unknown;
}

function untilStatus(goal: string): (resource: Stateful) => PollVerdict {
  return (resource) => {
    if (resource.status === goal) return { done: true };
    if (!resource.status.startsWith('error')) return { done: false };
    const reason = typeof resource.fail_reason === 'string' && resource.fail_reason !== '' ? `: ${resource.fail_reason}` : '';
    return { done: false, failed: `its status is ${resource.status}${reason}` };
  };
}

const describeState = (resource: Stateful): string =>
  `status ${resource.status}${typeof resource.fail_reason === 'string' && resource.fail_reason !== '' ? ` (${resource.fail_reason})` : ''}`;

function checkEndpoint(endpoint: ServiceEndpoint): ServiceEndpoint {
  const trim = (resolved: ResolvedEndpoint): ResolvedEndpoint => ({ ...resolved, url: trimUrl(resolved.url) });
  return {
    resolve: async (signal) => trim(await endpoint.resolve(signal)),
    ...(endpoint.renew === undefined ? {} : { renew: (rejected: ResolvedEndpoint, signal?: AbortSignal) => endpoint.renew!(rejected, signal) }),
  };
}

/** A Cinder v3 client (see the module comment). */
export class CinderClient {
  /** The request helper (for calls this client does not wrap). */
  readonly http: HttpClient;

  /** A client for the Cinder at `options.endpoint`. */
  constructor(options: CinderClientOptions) {
    this.http = new HttpClient({
      ...options,
      service: 'Cinder',
      endpoint: checkEndpoint(options.endpoint),
      headers: { 'OpenStack-API-Version': `volume ${options.microversion ?? DEFAULT_CINDER_MICROVERSION}` },
    });
  }

  // ---- volumes

  /** Starts creating a volume (status `creating`); wait with {@link CinderClient.waitForVolume}. */
  async createVolume(volume: CinderVolumeCreate, options: CinderCallOptions = {}): Promise<CinderVolume> {
    const answer = await this.http.json<{ volume: CinderVolume }>({ method: 'POST', path: '/volumes', json: { volume }, resource: { type: 'volume' }, ...options });
    return answer.volume;
  }

  /** Reads a volume; `NotFoundError` when it does not exist. */
  async getVolume(id: string, options: CinderCallOptions = {}): Promise<CinderVolume> {
    return (await this.http.json<{ volume: CinderVolume }>({ method: 'GET', path: volumePath(id), resource: { type: 'volume', id }, ...options })).volume;
  }

  /** One page of volumes, with details. */
  async listVolumes(query: CinderListQuery = {}, options: CinderCallOptions = {}): Promise<{ readonly volumes: readonly CinderVolume[]; readonly nextMarker?: string }> {
    const page = await this.http.json<{ volumes: CinderVolume[]; volumes_links?: unknown }>({
      method: 'GET',
      path: '/volumes/detail',
      query,
      resource: { type: 'volumes' },
      ...options,
    });
    const next = nextMarker(page.volumes_links);
    return { volumes: page.volumes, ...(next === undefined ? {} : { nextMarker: next }) };
  }

  /** Every volume matching `query`, page by page. */
  async *volumes(query: CinderListQuery = {}, options: CinderCallOptions = {}): AsyncGenerator<CinderVolume> {
    let marker = query.marker;
    for (;;) {
      const page = await this.listVolumes({ ...query, ...(marker === undefined ? {} : { marker }) }, options);
      yield* page.volumes;
      if (page.nextMarker === undefined || page.volumes.length === 0) return;
      marker = page.nextMarker;
    }
  }

  /** Starts deleting a volume (`force`: with its snapshots, `cascade=true`); `true`, or `false` with `ignoreMissing` when it did not exist. */
  async deleteVolume(id: string, options: CinderDeleteOptions = {}): Promise<boolean> {
    const { ignoreMissing, force, ...call } = options;
    return this.#delete({ method: 'DELETE', path: volumePath(id), query: force === true ? { cascade: true } : {}, resource: { type: 'volume', id }, ...call }, ignoreMissing);
  }

  /** Sets a volume's status without doing anything else (admin; to recover a stuck volume). */
  async resetVolumeStatus(id: string, status: string, options: CinderCallOptions = {}): Promise<void> {
    await this.http.send({ method: 'POST', path: `${volumePath(id)}/action`, json: { 'os-reset_status': { status } }, idempotent: true, resource: { type: 'volume', id }, ...options });
  }

  /** Polls until the volume has `status` (default `available`); fails on any `error…` status. */
  waitForVolume(id: string, options: WaitOptions<CinderVolume> & { readonly status?: string } = {}): Promise<CinderVolume> {
    const goal = options.status ?? 'available';
    return pollUntil<CinderVolume>(
      { service: 'Cinder', type: 'volume', id, goal: `status ${goal}` },
      (signal) => this.getVolume(id, signal === undefined ? {} : { signal }),
      untilStatus(goal),
      describeState,
      options,
    );
  }

  /** Polls until the volume no longer exists; fails on `error_deleting`. */
  waitForVolumeDeleted(id: string, options: WaitOptions<CinderVolume> = {}): Promise<void> {
    return pollUntilGone<CinderVolume>(
      { service: 'Cinder', type: 'volume', id, goal: 'deletion' },
      (signal) => this.getVolume(id, signal === undefined ? {} : { signal }),
      (volume) => (volume.status.startsWith('error') ? `its status is ${volume.status}` : undefined),
      describeState,
      options,
    );
  }

  // ---- backups

  /**
   * Starts a backup of a volume (the volume turns `backing-up`, the backup is `creating`);
   * `incremental: true` stores only the changes since the volume's latest backup. Answers the
   * new backup's id and name; wait with {@link CinderClient.waitForBackup}.
   * Not retried: a repeated POST would start a second backup.
   */
  async createBackup(backup: CinderBackupCreate, options: CinderCallOptions = {}): Promise<CinderBackupSummary> {
    const answer = await this.http.json<{ backup: CinderBackupSummary }>({ method: 'POST', path: '/backups', json: { backup }, resource: { type: 'backup' }, ...options });
    return answer.backup;
  }

  /** Reads a backup; `NotFoundError` when it does not exist. */
  async getBackup(id: string, options: CinderCallOptions = {}): Promise<CinderBackup> {
    return (await this.http.json<{ backup: CinderBackup }>({ method: 'GET', path: backupPath(id), resource: { type: 'backup', id }, ...options })).backup;
  }

  /** One page of backups, with details (filter by `volume_id`, `status`, `name`, …). */
  async listBackups(query: CinderListQuery = {}, options: CinderCallOptions = {}): Promise<{ readonly backups: readonly CinderBackup[]; readonly nextMarker?: string }> {
    const page = await this.http.json<{ backups: CinderBackup[]; backups_links?: unknown }>({
      method: 'GET',
      path: '/backups/detail',
      query,
      resource: { type: 'backups' },
      ...options,
    });
    const next = nextMarker(page.backups_links);
    return { backups: page.backups, ...(next === undefined ? {} : { nextMarker: next }) };
  }

  /** Every backup matching `query`, page by page. */
  async *backups(query: CinderListQuery = {}, options: CinderCallOptions = {}): AsyncGenerator<CinderBackup> {
    let marker = query.marker;
    for (;;) {
      const page = await this.listBackups({ ...query, ...(marker === undefined ? {} : { marker }) }, options);
      yield* page.backups;
      if (page.nextMarker === undefined || page.backups.length === 0) return;
      marker = page.nextMarker;
    }
  }

  /**
   * Starts deleting a backup (`force`: whatever its status, admin `os-force_delete`); `true`, or
   * `false` with `ignoreMissing` when it did not exist. A backup that later incremental backups
   * depend on cannot be deleted before them (`ValidationError`).
   */
  async deleteBackup(id: string, options: CinderDeleteOptions = {}): Promise<boolean> {
    const { ignoreMissing, force, ...call } = options;
    if (force === true) {
      return this.#delete(
        { method: 'POST', path: `${backupPath(id)}/action`, json: { 'os-force_delete': {} }, idempotent: true, resource: { type: 'backup', id }, ...call },
        ignoreMissing,
      );
    }
    return this.#delete({ method: 'DELETE', path: backupPath(id), resource: { type: 'backup', id }, ...call }, ignoreMissing);
  }

  /** Sets a backup's status without doing anything else (admin; to recover a stuck backup). */
  async resetBackupStatus(id: string, status: string, options: CinderCallOptions = {}): Promise<void> {
    await this.http.send({ method: 'POST', path: `${backupPath(id)}/action`, json: { 'os-reset_status': { status } }, idempotent: true, resource: { type: 'backup', id }, ...options });
  }

  /** Polls until the backup has `status` (default `available`); fails on any `error…` status, with Cinder's `fail_reason`. */
  waitForBackup(id: string, options: WaitOptions<CinderBackup> & { readonly status?: string } = {}): Promise<CinderBackup> {
    const goal = options.status ?? 'available';
    return pollUntil<CinderBackup>(
      { service: 'Cinder', type: 'backup', id, goal: `status ${goal}` },
      (signal) => this.getBackup(id, signal === undefined ? {} : { signal }),
      untilStatus(goal),
      describeState,
      options,
      BACKUP_WAIT_MS,
    );
  }

  /** Polls until the backup no longer exists; fails on `error_deleting` or `error`. */
  waitForBackupDeleted(id: string, options: WaitOptions<CinderBackup> = {}): Promise<void> {
    return pollUntilGone<CinderBackup>(
      { service: 'Cinder', type: 'backup', id, goal: 'deletion' },
      (signal) => this.getBackup(id, signal === undefined ? {} : { signal }),
      (backup) => (backup.status.startsWith('error') ? `its status is ${backup.status}` : undefined),
      describeState,
      options,
      BACKUP_WAIT_MS,
    );
  }

  /**
   * Starts restoring a backup: into a new volume (of the backup's size; `name` optional) or
   * over an existing `available` volume (`volume_id`). Wait for the volume to be `available`
   * with {@link CinderClient.waitForRestore}. Not retried.
   */
  async restoreBackup(id: string, target: { readonly volume_id?: string; readonly name?: string } = {}, options: CinderCallOptions = {}): Promise<CinderRestore> {
    const answer = await this.http.json<{ restore: CinderRestore }>({
      method: 'POST',
      path: `${backupPath(id)}/restore`,
      json: { restore: target },
      resource: { type: 'backup', id },
      ...options,
    });
    return answer.restore;
  }

  /** Polls until a restore's volume is `available` (fails on `error_restoring` and other errors). */
  waitForRestore(restore: CinderRestore, options: WaitOptions<CinderVolume> = {}): Promise<CinderVolume> {
    return this.waitForVolume(restore.volume_id, { timeoutMs: BACKUP_WAIT_MS, ...options });
  }

  /** The backup's record, to import it into another Cinder (the backup must be `available`). */
  async exportBackupRecord(id: string, options: CinderCallOptions = {}): Promise<CinderBackupRecord> {
    const answer = await this.http.json<{ 'backup-record': CinderBackupRecord }>({
      method: 'GET',
      path: `${backupPath(id)}/export_record`,
      resource: { type: 'backup', id },
      ...options,
    });
    return answer['backup-record'];
  }

  /**
   * Imports an exported record: the backup appears with the exported id and becomes
   * `available` once the backup service has checked it can read the data (wait with
   * {@link CinderClient.waitForBackup}). `ValidationError` when a backup with that id already
   * exists and is not deleted. Not retried.
   */
  async importBackupRecord(record: CinderBackupRecord, options: CinderCallOptions = {}): Promise<CinderBackupSummary> {
    const answer = await this.http.json<{ backup: CinderBackupSummary }>({
      method: 'POST',
      path: '/backups/import_record',
      json: { 'backup-record': record },
      resource: { type: 'backup record' },
      ...options,
    });
    return answer.backup;
  }

  async #delete(spec: Parameters<HttpClient['send']>[0], ignoreMissing: boolean | undefined): Promise<boolean> {
    try {
      await this.http.send(spec);
      return true;
    } catch (error) {
      if (ignoreMissing === true && (error as { kind?: unknown }).kind === 'not_found') return false;
      throw error;
    }
  }
}
