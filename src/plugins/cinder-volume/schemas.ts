/**
 * The Cinder volume plugin's resource type, parameter schemas and saved-info format.
 *
 * The saved info (`backup.json` in the resource's section) is the only object the plugin keeps
 * in the bank: the backup data itself lives in Cinder's backup store (a POSIX directory, a
 * Swift container, Ceph, …). Protect writes it twice — with `state: "creating"` as soon as
 * Cinder accepted the backup (so a crash or a revert can still find the backup to delete), then
 * complete, with `state: "available"`, once the backup is `available`.
 *
 * @module
 */
import type { JsonSchema } from '../../core/schema.js';

/** The resource type the plugin protects. */
export const CINDER_VOLUME_TYPE = 'OS::Cinder::Volume';

/** The parent type whose instances have volumes as dependents (attached volumes). */
export const NOVA_SERVER_TYPE = 'OS::Nova::Server';

/** The saved info's key in the resource's section. */
export const SAVED_INFO_KEY = 'backup.json';

/** The exported backup record's key (copies only). */
export const BACKUP_RECORD_KEY = 'backup-record.json';

/** The saved-info format tag. */
export const SAVED_INFO_FORMAT = 'karbor-ts.cinder-volume/1';

/** The volume as it was when it was protected. */
export interface SavedVolume {
  /** Its id. */
  readonly id: string;
  /** Its name (`null` when unnamed). */
  readonly name: string | null;
  /** Size in GiB. */
  readonly size: number;
  /** The volume type's name. */
  readonly volumeType: string | null;
  /** The availability zone. */
  readonly availabilityZone: string | null;
  /** Its status when the backup started (`available` or `in-use`). */
  readonly status: string;
  /** Whether it is bootable. */
  readonly bootable: boolean;
}

/** The Cinder backup that holds the data. */
export interface SavedBackup {
  /** The backup's id. */
  readonly id: string;
  /** Its name. */
  readonly name: string | null;
  /** Size in GiB (the volume's size), as Cinder reported it once `available`. */
  readonly size?: number;
  /** How many objects (chunks) the backup service stored. */
  readonly objectCount?: number;
  /** The backup service's container. */
  readonly container?: string | null;
  /** When Cinder created the backup. */
  readonly createdAt?: string;
  /** When the backed-up data was taken. */
  readonly dataTimestamp?: string | null;
  /** The backup's availability zone. */
  readonly availabilityZone?: string | null;
  /** Whether it is incremental. */
  readonly incremental: boolean;
  /** For an incremental backup: the backup it depends on (its parent in Cinder). */
  readonly parentId?: string | null;
  /** Whether the plugin asked for `force` (an `in-use` volume). */
  readonly forced: boolean;
}

/** Where a copy came from (copies only). */
export interface SavedCopy {
  /** The source checkpoint. */
  readonly sourceCheckpointId: string;
  /** When the record was exported. */
  readonly exportedAt: string;
  /** The backup driver that can read the data (from the exported record). */
  readonly backupService: string;
}

/** The saved info of one protected volume. */
export interface SavedInfo {
  /** {@link SAVED_INFO_FORMAT}. */
  readonly format: typeof SAVED_INFO_FORMAT;
  /** `creating` while protect waits for Cinder; `available` once the backup is complete. */
  readonly state: 'creating' | 'available';
  /** The resource (the volume's id). */
  readonly resource: { readonly type: string; readonly id: string };
  /** The checkpoint that made the backup. */
  readonly checkpointId: string;
  /** The volume when it was protected. */
  readonly volume: SavedVolume;
  /** The backup. */
  readonly backup: SavedBackup;
  /** When protect wrote this document. */
  readonly savedAt: string;
  /** Present in a copy checkpoint: where it came from. */
  readonly copy?: SavedCopy;
}

const nullableString = { type: ['string', 'null'] } as const;

/** JSON schema of {@link SavedInfo}; also the plugin's saved-info schema. */
export const SAVED_INFO_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'state', 'resource', 'checkpointId', 'volume', 'backup', 'savedAt'],
  properties: {
    format: { const: SAVED_INFO_FORMAT },
    state: { enum: ['creating', 'available'] },
    resource: { type: 'object', required: ['type', 'id'], properties: { type: { type: 'string' }, id: { type: 'string', minLength: 1 } } },
    checkpointId: { type: 'string', minLength: 1 },
    volume: {
      type: 'object',
      required: ['id', 'name', 'size', 'volumeType', 'availabilityZone', 'status', 'bootable'],
      properties: {
        id: { type: 'string', minLength: 1 },
        name: nullableString,
        size: { type: 'integer', minimum: 0 },
        volumeType: nullableString,
        availabilityZone: nullableString,
        status: { type: 'string' },
        bootable: { type: 'boolean' },
      },
    },
    backup: {
      type: 'object',
      required: ['id', 'name', 'incremental', 'forced'],
      properties: {
        id: { type: 'string', minLength: 1 },
        name: nullableString,
        size: { type: 'integer', minimum: 0 },
        objectCount: { type: 'integer', minimum: 0 },
        container: nullableString,
        createdAt: { type: 'string' },
        dataTimestamp: nullableString,
        availabilityZone: nullableString,
        incremental: { type: 'boolean' },
        parentId: nullableString,
        forced: { type: 'boolean' },
      },
    },
    savedAt: { type: 'string' },
    copy: {
      type: 'object',
      required: ['sourceCheckpointId', 'exportedAt', 'backupService'],
      properties: { sourceCheckpointId: { type: 'string' }, exportedAt: { type: 'string' }, backupService: { type: 'string' } },
    },
  },
};

/** Protect options. (A type, not an interface, so it fits `Record<string, unknown>`.) */
export type CinderVolumeOptions = {
  /**
   * `auto` (default): incremental when the volume has an `available` backup already (Cinder
   * bases an incremental backup on the volume's latest one), full otherwise; `full`: always
   * full; `incremental`: incremental, failing when there is no backup to base it on.
   */
  readonly backup_mode?: 'auto' | 'full' | 'incremental';
  /** Back up an attached (`in-use`) volume (Cinder's `force`; the data is crash-consistent only). */
  readonly force?: boolean;
  /** The backup's name. @default `karbor-<checkpoint id>` */
  readonly backup_name?: string;
  /** The backup's description. */
  readonly description?: string;
  /** The backup service's container. */
  readonly container?: string;
};

/** JSON schema of {@link CinderVolumeOptions}. */
export const OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    backup_mode: { enum: ['auto', 'full', 'incremental'], default: 'auto' },
    force: { type: 'boolean', default: false },
    backup_name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 255 },
    container: { type: 'string', minLength: 1, maxLength: 255 },
  },
  additionalProperties: false,
};

/** Restore parameters: the backup is always restored into a new volume. */
export type CinderVolumeRestoreParameters = {
  /** The new volume's name. @default `<checkpoint id>@<volume id>` (Karbor's) */
  readonly restore_name?: string;
  /** The new volume's description. */
  readonly restore_description?: string;
  /** The new volume's type. @default the default volume type */
  readonly volume_type?: string;
  /** The new volume's availability zone. @default Cinder's choice */
  readonly availability_zone?: string;
};

/** JSON schema of {@link CinderVolumeRestoreParameters}. */
export const RESTORE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    restore_name: { type: 'string', minLength: 1, maxLength: 255 },
    restore_description: { type: 'string', maxLength: 255 },
    volume_type: { type: 'string', minLength: 1 },
    availability_zone: { type: 'string', minLength: 1 },
  },
  additionalProperties: false,
};

/** JSON schema of verify parameters: none (presence is the only level). */
export const VERIFY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

/** JSON schema of copy parameters: none. */
export const COPY_SCHEMA: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
