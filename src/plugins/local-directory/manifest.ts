/**
 * Reading a local-directory manifest back from the bank, trusting nothing: the document must
 * be intact (the bank checks its md5), match the manifest schema, and every path must be a safe
 * relative path (no `..`, no absolute path, no duplicates), since restore writes files by it.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { BankError, NotFoundError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import { SchemaValidator } from '../../core/schema.js';
import { MANIFEST_KEY, MANIFEST_SCHEMA, type Manifest } from './schemas.js';

const validateManifest = new SchemaValidator().compile<Manifest>(MANIFEST_SCHEMA);

/** Whether `path` is a non-empty, `/`-separated relative path without `.`, `..` or empty segments. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.includes('\u0000')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

function invalid(reason: string, cause?: unknown): BankError {
  return new BankError(`${MANIFEST_KEY} is not a valid local-directory manifest: ${reason}`, {
    code: 'KTS_ERR_BANK_INTEGRITY',
    details: { key: MANIFEST_KEY, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Options of {@link readManifest}. */
export interface ReadManifestOptions {
  /**
   * The id of the resource the section belongs to: a manifest of another resource (a section
   * holding some other directory's backup) is refused with `KTS_ERR_BANK_INTEGRITY`.
   */
  readonly resourceId?: string;
}

/**
 * Reads and checks the manifest of the resource in `section`. Throws
 * `KTS_ERR_BANK_OBJECT_NOT_FOUND` when it is missing (the backup is incomplete or deleted) and
 * `KTS_ERR_BANK_INTEGRITY` when it is damaged or invalid, or — with `options.resourceId` — the
 * backup of another resource; the messages say which.
 */
export async function readManifest(section: BankSection, options: ReadManifestOptions = {}): Promise<Manifest> {
  let document;
  try {
    document = await section.getJson<unknown>(MANIFEST_KEY);
  } catch (error) {
    if (isCancellation(error) || !isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')) throw error;
    throw new BankError(`${MANIFEST_KEY} is damaged: ${messageOf(error)}`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key: MANIFEST_KEY }, cause: error });
  }
  if (document === undefined) {
    throw new NotFoundError(`${MANIFEST_KEY} is missing: the backup of this directory is incomplete or was deleted`, {
      code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND',
      details: { key: MANIFEST_KEY },
    });
  }
  let manifest: Manifest;
  try {
    manifest = validateManifest(document.value, MANIFEST_KEY);
  } catch (error) {
    throw invalid(messageOf(error), error);
  }
  if (options.resourceId !== undefined && manifest.resource.id !== options.resourceId) {
    throw new BankError(
      `${MANIFEST_KEY} belongs to directory ${JSON.stringify(manifest.resource.id)}, not ${JSON.stringify(options.resourceId)}: this section holds the backup of another resource`,
      { code: 'KTS_ERR_BANK_INTEGRITY', details: { key: MANIFEST_KEY, expected: options.resourceId, found: manifest.resource.id } },
    );
  }
  const seen = new Set<string>();
  for (const entry of [...manifest.directories, ...manifest.files, ...manifest.symlinks]) {
    if (!isSafeRelativePath(entry.path)) throw invalid(`unsafe path ${JSON.stringify(entry.path)}`);
    if (seen.has(entry.path)) throw invalid(`path ${JSON.stringify(entry.path)} appears twice`);
    seen.add(entry.path);
  }
  return manifest;
}
