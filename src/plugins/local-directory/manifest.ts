/**
 * Reading a local-directory manifest back from the bank, trusting nothing: the document must
 * be intact (the bank checks its md5), match the manifest schema, and every path must be a safe
 * relative path (no `..`, no absolute path, no duplicates), since restore writes files by it.
 *
 * @module
 */
import type { BankSection } from '../../core/bank-section.js';
import { createManifestReader } from '../manifest-backup/manifest.js';
import { MANIFEST_KEY, MANIFEST_SCHEMA, type Manifest } from './schemas.js';

/** Whether `path` is a non-empty, `/`-separated relative path without `.`, `..` or empty segments. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.includes('\u0000')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** The first unsafe or repeated path of `manifest`, as a reason; `undefined` when none. */
function pathProblem(manifest: Manifest): string | undefined {
  const seen = new Set<string>();
  for (const entry of [...manifest.directories, ...manifest.files, ...manifest.symlinks]) {
    if (!isSafeRelativePath(entry.path)) return `unsafe path ${JSON.stringify(entry.path)}`;
    if (seen.has(entry.path)) return `path ${JSON.stringify(entry.path)} appears twice`;
    seen.add(entry.path);
  }
  return undefined;
}

const read = createManifestReader<Manifest>({
  key: MANIFEST_KEY,
  schema: MANIFEST_SCHEMA,
  label: 'local-directory',
  subject: 'directory',
  ownerOf: (manifest) => manifest.resource.id,
  foreign: (found, expected) =>
    `${MANIFEST_KEY} belongs to directory ${JSON.stringify(found)}, not ${JSON.stringify(expected)}: this section holds the backup of another resource`,
  problemOf: pathProblem,
});

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
  return read(section, options.resourceId);
}
