/**
 * Reading a plugin's manifest back from the bank, trusting nothing: the document must be intact
 * (the bank checks its md5), match the manifest schema, belong to the resource asked for, and
 * pass the plugin's own checks. Used by the local-directory and Glance image plugins.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { BankError, NotFoundError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import { SchemaValidator, type JsonSchema } from '../../core/schema.js';

/** One plugin's manifest: its key, its schema, its own checks and the words its errors use. */
export interface ManifestFormat<T> {
  /** The manifest's key in the resource's section. */
  readonly key: string;
  /** The JSON schema it must match. */
  readonly schema: JsonSchema;
  /** The format's name: `<key> is not a valid <label> manifest: <reason>`. */
  readonly label: string;
  /** What was protected: `<key> is missing: the backup of this <subject> is incomplete or was deleted`. */
  readonly subject: string;
  /** The id of the resource `manifest` belongs to. */
  readonly ownerOf: (manifest: T) => string;
  /** The message refusing a manifest of resource `found` where resource `expected` was asked for. */
  readonly foreign: (found: string, expected: string) => string;
  /** The first rule beyond the schema that `manifest` breaks, as a reason; `undefined` when none. */
  readonly problemOf: (manifest: T) => string | undefined;
}

/**
 * A reader of `format`'s manifest in a section. It throws `KTS_ERR_BANK_OBJECT_NOT_FOUND` when
 * the manifest is missing, and `KTS_ERR_BANK_INTEGRITY` when it is damaged or invalid, or — given
 * `ownerId` — the backup of another resource; every message names the manifest's key.
 */
export function createManifestReader<T>(format: ManifestFormat<T>): (section: BankSection, ownerId?: string) => Promise<T> {
  const { key, label } = format;
  const validate = new SchemaValidator().compile<T>(format.schema);
  const integrity = (message: string, details: Record<string, unknown>, cause?: unknown): BankError =>
    new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key, ...details }, ...(cause === undefined ? {} : { cause }) });
  const invalid = (reason: string, cause?: unknown): BankError => integrity(`${key} is not a valid ${label} manifest: ${reason}`, { reason }, cause);

  return async (section, ownerId) => {
    let document;
    try {
      document = await section.getJson<unknown>(key);
    } catch (error) {
      if (isCancellation(error) || !isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')) throw error;
      throw integrity(`${key} is damaged: ${messageOf(error)}`, {}, error);
    }
    if (document === undefined) {
      throw new NotFoundError(`${key} is missing: the backup of this ${format.subject} is incomplete or was deleted`, { code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND', details: { key } });
    }
    let manifest: T;
    try {
      manifest = validate(document.value, key);
    } catch (error) {
      throw invalid(messageOf(error), error);
    }
    const found = format.ownerOf(manifest);
    if (ownerId !== undefined && found !== ownerId) throw integrity(format.foreign(found, ownerId), { expected: ownerId, found });
    const reason = format.problemOf(manifest);
    if (reason !== undefined) throw invalid(reason);
    return manifest;
  };
}
