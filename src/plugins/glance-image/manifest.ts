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
import { createManifestReader } from '../manifest-backup/manifest.js';
import { MANIFEST_KEY, MANIFEST_SCHEMA, chunkKey, type Manifest } from './schemas.js';

/** The first way the chunks of `manifest` fail to tile the image exactly, as a reason; `undefined` when none. */
function tilingProblem(manifest: Manifest): string | undefined {
  let offset = 0;
  for (const [index, chunk] of manifest.chunks.entries()) {
    if (chunk.index !== index || chunk.key !== chunkKey(index)) return `chunk ${index} is listed as ${chunk.index} (${chunk.key})`;
    if (chunk.offset !== offset) return `chunk ${index} (${chunk.key}) starts at ${chunk.offset}, expected ${offset}`;
    if (chunk.size > manifest.chunkSize || (chunk.size === 0 && manifest.chunks.length > 0)) return `chunk ${index} (${chunk.key}) has ${chunk.size} bytes`;
    offset += chunk.size;
  }
  if (offset !== manifest.image.size || manifest.totals.bytes !== offset || manifest.totals.chunks !== manifest.chunks.length) {
    return `the chunks hold ${offset} bytes, the image ${manifest.image.size} (totals: ${manifest.totals.bytes} bytes, ${manifest.totals.chunks} chunks)`;
  }
  return undefined;
}

const read = createManifestReader<Manifest>({
  key: MANIFEST_KEY,
  schema: MANIFEST_SCHEMA,
  label: 'Glance image',
  subject: 'image',
  ownerOf: (manifest) => manifest.image.id,
  foreign: (found, expected) => `${MANIFEST_KEY} belongs to image ${found}, not ${expected}: this section holds the backup of another image`,
  problemOf: tilingProblem,
});

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
  return read(section, options.imageId);
}

let supported: ReadonlySet<string> | undefined;

/** Whether Node's crypto can compute Glance's `os_hash_algo` (e.g. `sha512`). */
export function canHash(algorithm: string | null): algorithm is string {
  supported ??= new Set(getHashes().map((name) => name.toLowerCase()));
  return algorithm !== null && supported.has(algorithm.toLowerCase());
}
