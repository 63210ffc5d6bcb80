/**
 * The Cinder volume plugin (`OS::Cinder::Volume`): volumes protected as Cinder backups
 * (incremental when possible), verified at presence level (the backup still exists, is
 * `available`, size and object count as recorded), restored into new volumes, deleted
 * (refused while later incrementals depend on the backup), and copied as exported backup
 * records. See `docs/plugins/cinder-volume.md`.
 *
 * @module
 */
/** The factory, its options and the resource a volume is listed as. */
export { createCinderVolumePlugin, volumeResource, type CinderVolumePluginOptions, type CinderVolumePlugins } from './plugin.js';
/** The resource types, the schemas and the saved-info format. */
export {
  BACKUP_RECORD_KEY,
  CINDER_VOLUME_TYPE,
  COPY_SCHEMA,
  NOVA_SERVER_TYPE,
  OPTIONS_SCHEMA,
  RESTORE_SCHEMA,
  SAVED_INFO_FORMAT,
  SAVED_INFO_KEY,
  SAVED_INFO_SCHEMA,
  VERIFY_SCHEMA,
  type CinderVolumeOptions,
  type CinderVolumeRestoreParameters,
  type SavedBackup,
  type SavedCopy,
  type SavedInfo,
  type SavedVolume,
} from './schemas.js';
/** Reading the saved info and a copy's backup record back, checked. */
export { readBackupRecord, readSavedInfo, type ReadSavedInfoOptions, type StoredBackupRecord } from './saved-info.js';
