/**
 * Reading the Cinder volume plugin's saved info back from the bank, trusting nothing: the
 * document must be intact (the bank checks its md5), match {@link SAVED_INFO_SCHEMA} and belong
 * to the resource whose section it is in.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { BankError, NotFoundError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import { SchemaValidator } from '../../core/schema.js';
import type { CinderBackupRecord } from '../../clients/index.js';
import { BACKUP_RECORD_KEY, SAVED_INFO_KEY, SAVED_INFO_SCHEMA, type SavedInfo } from './schemas.js';

const validator = new SchemaValidator();
const validateSavedInfo = validator.compile<SavedInfo>(SAVED_INFO_SCHEMA);

/** The exported backup record a copy keeps under {@link BACKUP_RECORD_KEY}. */
export interface StoredBackupRecord {
  /** The backup the record describes. */
  readonly backupId: string;
  /** When it was exported. */
  readonly exportedAt: string;
  /** The record, as `GET /backups/{id}/export_record` answered it. */
  readonly record: CinderBackupRecord;
}

const validateRecord = validator.compile<StoredBackupRecord>({
  type: 'object',
  required: ['backupId', 'exportedAt', 'record'],
  properties: {
    backupId: { type: 'string', minLength: 1 },
    exportedAt: { type: 'string' },
    record: {
      type: 'object',
      required: ['backup_service', 'backup_url'],
      properties: { backup_service: { type: 'string', minLength: 1 }, backup_url: { type: 'string', minLength: 1 } },
    },
  },
});

function integrity(key: string, message: string, details: Record<string, unknown> = {}, cause?: unknown): BankError {
  return new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key, ...details }, ...(cause === undefined ? {} : { cause }) });
}

async function readDocument(section: BankSection, key: string): Promise<unknown> {
  let document;
  try {
    document = await section.getJson<unknown>(key);
  } catch (error) {
    if (isCancellation(error) || !isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')) throw error;
    throw integrity(key, `${key} is damaged: ${messageOf(error)}`, {}, error);
  }
  return document?.value;
}

/** Options of {@link readSavedInfo}. */
export interface ReadSavedInfoOptions {
  /** The resource the section belongs to: the saved info of another volume is refused. */
  readonly resourceId?: string;
  /** Resolve `undefined` instead of throwing when the document is absent. */
  readonly allowMissing?: boolean;
}

/**
 * Reads and checks `backup.json`. Throws `KTS_ERR_BANK_OBJECT_NOT_FOUND` when it is missing and
 * `KTS_ERR_BANK_INTEGRITY` when it is damaged, invalid, or (with `resourceId`) another volume's;
 * every message names `backup.json`.
 */
export async function readSavedInfo(section: BankSection, options: ReadSavedInfoOptions & { readonly allowMissing: true }): Promise<SavedInfo | undefined>;
/** Reads and checks `backup.json`; a missing one is `KTS_ERR_BANK_OBJECT_NOT_FOUND`. */
export async function readSavedInfo(section: BankSection, options?: ReadSavedInfoOptions): Promise<SavedInfo>;
/** The implementation of both signatures above. */
export async function readSavedInfo(section: BankSection, options: ReadSavedInfoOptions = {}): Promise<SavedInfo | undefined> {
  const value = await readDocument(section, SAVED_INFO_KEY);
  if (value === undefined) {
    if (options.allowMissing === true) return undefined;
    throw new NotFoundError(`${SAVED_INFO_KEY} is missing: the backup of this volume is incomplete or was deleted (the Cinder backup's id is unknown)`, {
      code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND',
      details: { key: SAVED_INFO_KEY },
    });
  }
  let saved: SavedInfo;
  try {
    saved = validateSavedInfo(value, SAVED_INFO_KEY);
  } catch (error) {
    throw integrity(SAVED_INFO_KEY, `${SAVED_INFO_KEY} is not a valid Cinder volume saved info: ${messageOf(error)}`, {}, error);
  }
  if (options.resourceId !== undefined && saved.resource.id !== options.resourceId) {
    throw integrity(
      SAVED_INFO_KEY,
      `${SAVED_INFO_KEY} belongs to volume ${saved.resource.id} (Cinder backup ${saved.backup.id}), not ${options.resourceId}: this section holds the backup of another resource`,
      { expected: options.resourceId, found: saved.resource.id, backupId: saved.backup.id },
    );
  }
  return saved;
}

/** Reads a copy's exported backup record; `undefined` when the section has none. */
export async function readBackupRecord(section: BankSection): Promise<StoredBackupRecord | undefined> {
  const value = await readDocument(section, BACKUP_RECORD_KEY);
  if (value === undefined) return undefined;
  try {
    return validateRecord(value, BACKUP_RECORD_KEY);
  } catch (error) {
    throw integrity(BACKUP_RECORD_KEY, `${BACKUP_RECORD_KEY} is not a valid exported Cinder backup record: ${messageOf(error)}`, {}, error);
  }
}
