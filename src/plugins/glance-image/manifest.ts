/**
 * Reading a Glance image manifest back from the bank, trusting nothing: the document must be
 * intact (the bank checks its md5), match the manifest schema, belong to the resource asked
 * for, and its chunks must tile the image exactly (indexes in order, offsets contiguous, sizes
 * adding up to the image's size), since restore streams them back in that order.
 *
 * @module
 */
import { getHashes } from 'node:crypto';
import type { BankSection } from '../../core/bank-section.js';
import { BankError, NotFoundError, isCancellation, isFrameworkError, messageOf } from '../../core/errors.js';
import { SchemaValidator } from '../../core/schema.js';
import { MANIFEST_KEY, MANIFEST_SCHEMA, chunkKey, type Manifest } from './schemas.js';

const validateManifest = new SchemaValidator().compile<Manifest>(MANIFEST_SCHEMA);

function invalid(reason: string, cause?: unknown): BankError {
  return new BankError(`${MANIFEST_KEY} is not a valid Glance image manifest: ${reason}`, {
    code: 'KTS_ERR_BANK_INTEGRITY',
    details: { key: MANIFEST_KEY, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Options of {@link readImageManifest}. */
export interface ReadImageManifestOptions {
  /** The id of the image the section belongs to: a manifest of another image is refused. */
  readonly imageId?: string;
}

/**
 * Reads and checks the manifest in `section`. Throws `KTS_ERR_BANK_OBJECT_NOT_FOUND` when it is
 * missing and `KTS_ERR_BANK_INTEGRITY` when it is damaged, invalid, or — with
 * `options.imageId` — the backup of another image; the messages name `manifest.json`.
 */
export async function readImageManifest(section: BankSection, options: ReadImageManifestOptions = {}): Promise<Manifest> {
  let document;
  try {
    document = await section.getJson<unknown>(MANIFEST_KEY);
  } catch (error) {
    if (isCancellation(error) || !isFrameworkError(error, 'KTS_ERR_BANK_INTEGRITY')) throw error;
    throw new BankError(`${MANIFEST_KEY} is damaged: ${messageOf(error)}`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key: MANIFEST_KEY }, cause: error });
  }
  if (document === undefined) {
    throw new NotFoundError(`${MANIFEST_KEY} is missing: the backup of this image is incomplete or was deleted`, {
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
  if (options.imageId !== undefined && manifest.image.id !== options.imageId) {
    throw new BankError(`${MANIFEST_KEY} belongs to image ${manifest.image.id}, not ${options.imageId}: this section holds the backup of another image`, {
      code: 'KTS_ERR_BANK_INTEGRITY',
      details: { key: MANIFEST_KEY, expected: options.imageId, found: manifest.image.id },
    });
  }
  let offset = 0;
  for (const [index, chunk] of manifest.chunks.entries()) {
    if (chunk.index !== index || chunk.key !== chunkKey(index)) throw invalid(`chunk ${index} is listed as ${chunk.index} (${chunk.key})`);
    if (chunk.offset !== offset) throw invalid(`chunk ${index} (${chunk.key}) starts at ${chunk.offset}, expected ${offset}`);
    if (chunk.size > manifest.chunkSize || (chunk.size === 0 && manifest.chunks.length > 0)) throw invalid(`chunk ${index} (${chunk.key}) has ${chunk.size} bytes`);
    offset += chunk.size;
  }
  if (offset !== manifest.image.size || manifest.totals.bytes !== offset || manifest.totals.chunks !== manifest.chunks.length) {
    throw invalid(`the chunks hold ${offset} bytes, the image ${manifest.image.size} (totals: ${manifest.totals.bytes} bytes, ${manifest.totals.chunks} chunks)`);
  }
  return manifest;
}

let supported: ReadonlySet<string> | undefined;

/** Whether Node's crypto can compute Glance's `os_hash_algo` (e.g. `sha512`). */
export function canHash(algorithm: string | null): algorithm is string {
  supported ??= new Set(getHashes().map((name) => name.toLowerCase()));
  return algorithm !== null && supported.has(algorithm.toLowerCase());
}
