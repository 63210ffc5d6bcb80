/**
 * Restoring one file safely: stream the object into a temporary file in the destination
 * directory while hashing it (sha256), check the digest and size against the manifest, set
 * mode and mtime, then put it in place — by `link` (which never replaces an existing file)
 * unless overwriting is allowed, in which case by `rename` (atomic replace). A damaged object
 * is never written under its real name, and no path can escape the target directory: paths
 * are checked lexically and the real (symlink-resolved) parent must stay inside the target.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, open, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { BankSection } from '../../core/bank-section.js';
import { BankError, PluginError, ValidationError } from '../../core/errors.js';
import { hashingStream } from './hashing.js';
import { isSafeRelativePath } from './manifest.js';
import type { ManifestFile } from './schemas.js';

/** Where a restore writes. */
export interface RestoreTarget {
  /** The target directory as given. */
  readonly path: string;
  /** Its real path (symbolic links resolved), for containment checks. */
  readonly real: string;
  /** Replace existing files. */
  readonly overwrite: boolean;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Whether something exists at `path` (a dangling symbolic link counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

/** `target/relative`, refusing a relative path that is not safe. */
export function safeJoin(target: string, relative: string): string {
  if (!isSafeRelativePath(relative)) {
    throw new ValidationError(`Refusing to restore to unsafe path ${JSON.stringify(relative)}`, { details: { path: relative } });
  }
  return join(target, ...relative.split('/'));
}

/** Throws unless the real path of `directory` is the target or inside it. */
export async function assertInside(target: RestoreTarget, directory: string, relative: string): Promise<string> {
  const real = await realpath(directory);
  if (real !== target.real && !real.startsWith(target.real + sep)) {
    throw new PluginError(`Refusing to restore ${relative}: its directory resolves to ${real}, outside the target ${target.path}`, {
      details: { path: relative, resolved: real },
    });
  }
  return real;
}

/** Writes all of `bytes` at the handle's position (a write may take fewer bytes than given). */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
}

/** Puts `temp` in place at `final`; returns whether `final` was created (not replaced). */
async function install(temp: string, final: string, file: ManifestFile, overwrite: boolean): Promise<boolean> {
  if (overwrite) {
    let existing: Stats | undefined;
    try {
      existing = await lstat(final);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    if (existing?.isDirectory()) throw new PluginError(`Cannot restore ${file.path}: a directory is in the way`, { details: { path: file.path } });
    await rename(temp, final);
    return existing === undefined;
  }
  try {
    await link(temp, final);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') throw new ValidationError(`${file.path} already exists in the target and overwrite is false`, { details: { path: file.path } });
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'].includes(errnoOf(error) ?? '')) throw error;
    // No hard links here: check, then rename (a race with another writer can still replace).
    if (await exists(final)) throw new ValidationError(`${file.path} already exists in the target and overwrite is false`, { details: { path: file.path } });
    await rename(temp, final);
    return true;
  }
  await unlink(temp);
  return true;
}

/**
 * Restores one file of the manifest under `target`; returns whether it created the file (as
 * opposed to replacing one). Throws `KTS_ERR_BANK_INTEGRITY` naming the file and object when
 * the bytes read do not match the manifest.
 */
export async function restoreFile(
  bank: BankSection,
  target: RestoreTarget,
  file: ManifestFile,
  options: { signal: AbortSignal; onBytes: (bytes: number) => void },
): Promise<boolean> {
  const final = safeJoin(target.path, file.path);
  await mkdir(dirname(final), { recursive: true });
  const directory = await assertInside(target, dirname(final), file.path);
  const temp = join(directory, `.kts-restore-${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  let installed = false;
  try {
    try {
      const hashing = hashingStream(await bank.getObject(file.key, { signal: options.signal }), { onBytes: options.onBytes });
      // Plain writes rather than a stream over the handle: on Node 20 a FileHandle whose
      // write stream is not auto-closed never finishes closing.
      for await (const chunk of hashing.stream) await writeAll(handle, chunk);
      const digest = hashing.result();
      if (digest.sha256 !== file.sha256 || digest.size !== file.size) {
        throw new BankError(
          `File ${file.path} (${file.key}): expected sha256 ${file.sha256} (${file.size} bytes), read sha256 ${digest.sha256} (${digest.size} bytes); not restored`,
          { code: 'KTS_ERR_BANK_INTEGRITY', details: { path: file.path, key: file.key, expected: file.sha256, found: digest.sha256 } },
        );
      }
      await handle.chmod(file.mode);
      const mtime = new Date(file.mtime);
      if (!Number.isNaN(mtime.getTime())) await handle.utimes(mtime, mtime);
    } finally {
      await handle.close();
    }
    const created = await install(temp, join(directory, basename(final)), file, target.overwrite);
    installed = true;
    return created;
  } finally {
    if (!installed) await unlink(temp).catch(() => undefined);
  }
}
