/**
 * Verify at three levels, each including the cheaper ones:
 *
 * - `presence` — the manifest is readable and valid, every file's object exists with the size
 *   the manifest records (one `head` per file; no data read);
 * - `checksum` — also each object's etag (the md5 the bank recorded) equals the manifest's md5
 *   (still no data read: catches rewrites and wrong etags, not bit rot under an unchanged etag);
 * - `full` — also every object is re-read and re-hashed (sha256 and size against the manifest):
 *   catches every kind of damage, at the cost of reading everything.
 *
 * Every file is checked; then one `KTS_ERR_BANK_INTEGRITY` error lists the damaged files (path,
 * object key, expected vs found) in a message capped to a readable length, with all of them in
 * `details.damaged`. A missing or damaged manifest, or the manifest of another resource (the
 * section holds some other directory's backup), fails at once at every level.
 *
 * @module
 */
import type { BankSection, ObjectHasher } from '../../core/bank-section.js';
import { BankError, isCancellation, messageOf } from '../../core/errors.js';
import type { Operation, VerificationLevel, VerifyContext } from '../../core/operation.js';
import type { ProgressReporter } from '../../core/progress.js';
import { asCancelled } from '../bank-copy/index.js';
import { cappedMessage, checkEach, describeProblem, headProblems } from '../manifest-backup/verify.js';
import { digestOf } from './hashing.js';
import { readManifest } from './manifest.js';
import type { LocalDirectorySettings } from './protect.js';
import type { ManifestFile } from './schemas.js';

/** One problem found with one file. */
export interface Damage {
  /** The file's relative path. */
  readonly path: string;
  /** Its object key. */
  readonly key: string;
  /** What is wrong. */
  readonly problem: 'missing' | 'size' | 'etag' | 'content' | 'unreadable';
  /** What the manifest says. */
  readonly expected?: string;
  /** What the bank has. */
  readonly found?: string;
  /** For `content`: the whole sha256 the manifest records. */
  readonly expectedSha256?: string;
  /** For `content`: the whole sha256 of what was read. */
  readonly foundSha256?: string;
}

/** A sha256 shortened for messages (details keep it whole). */
function short(sha256: string): string {
  return `${sha256.slice(0, 16)}…`;
}

/** One line for a damage: `file a/b.txt (files/3): expected md5 …, found etag …`. */
export function describeDamage(damage: Damage): string {
  return `file ${damage.path} (${damage.key}): ${describeProblem(damage)}`;
}

/** The error for damaged files: a capped message and every damage in `details.damaged`. */
export function damageError(level: VerificationLevel, damaged: readonly Damage[], checked: number): BankError {
  const sorted = [...damaged].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files = new Set(sorted.map((damage) => damage.path)).size;
  const message = cappedMessage(`Verification (${level}) found ${files} of ${checked} files damaged: `, sorted.map(describeDamage));
  return new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY', details: { level, checked, damagedFiles: files, damaged: sorted } });
}

/**
 * The sha256 and size of `key`'s content, re-read: by the bank itself when its section can
 * ({@link ObjectHasher}, e.g. the filesystem driver's worker threads), else streamed through
 * `getObject` and hashed off this thread.
 */
async function sha256Of(bank: BankSection, key: string, signal: AbortSignal, progress: ProgressReporter): Promise<{ sha256: string; size: number }> {
  const hasher = bank as Partial<ObjectHasher>;
  if (typeof hasher.hashObject === 'function') {
    const digest = await hasher.hashObject(key, { signal });
    if (digest !== undefined) {
      progress.addBytes(digest.size);
      return digest;
    }
  }
  return digestOf(await bank.getObject(key, { signal }), { onBytes: (bytes) => progress.addBytes(bytes) });
}

/** Checks one file at `level`; returns its problems (none when intact). */
async function checkFile(bank: BankSection, file: ManifestFile, level: VerificationLevel, signal: AbortSignal, progress: ProgressReporter): Promise<Damage[]> {
  const base = { path: file.path, key: file.key };
  const found: Damage[] = (await headProblems(bank, file, level, signal)).map((problem) => ({ ...base, ...problem }));
  // A missing or unreadable object has nothing to re-read.
  if (level !== 'full' || found.some(({ problem }) => problem === 'missing' || problem === 'unreadable')) return found;
  try {
    const digest = await sha256Of(bank, file.key, signal, progress);
    if (digest.sha256 !== file.sha256 || digest.size !== file.size) {
      found.push({ ...base, problem: 'content', expected: `sha256 ${short(file.sha256)} (${file.size} bytes)`, found: `sha256 ${short(digest.sha256)} (${digest.size} bytes read)`, expectedSha256: file.sha256, foundSha256: digest.sha256 });
    }
  } catch (error) {
    if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
    found.push({ ...base, problem: 'unreadable', found: messageOf(error) });
  }
  return found;
}

/** The verify operation of one directory resource. */
export function createVerifyOperation(settings: LocalDirectorySettings): Operation<VerifyContext> {
  return {
    async onMain(context) {
      const { level, signal, progress } = context;
      const manifest = await readManifest(context.bank, { resourceId: context.resource.id });
      const files = manifest.files;
      if (level === 'full') progress.addTotalBytes(files.reduce((sum, file) => sum + file.size, 0));
      const onFraction = (fraction: number): void => progress.fraction(fraction);
      const damaged = await checkEach(files, { concurrency: settings.concurrency, signal, onFraction }, (file, stop) => checkFile(context.bank, file, level, stop, progress));
      if (damaged.length > 0) throw damageError(level, damaged, files.length);
      context.logger.info('Directory backup verified', { level, files: files.length, bytes: manifest.totals.bytes });
    },
  };
}
