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
import type { BankSection } from '../../core/bank-section.js';
import { BankError, isCancellation, messageOf } from '../../core/errors.js';
import type { Operation, VerificationLevel, VerifyContext } from '../../core/operation.js';
import type { ProgressReporter } from '../../core/progress.js';
import { asCancelled, forEachLimit } from '../bank-copy/index.js';
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

const MESSAGE_LIMIT = 1000;

/** A sha256 shortened for messages (details keep it whole). */
function short(sha256: string): string {
  return `${sha256.slice(0, 16)}…`;
}

/** One line for a damage: `file a/b.txt (files/3): expected md5 …, found etag …`. */
export function describeDamage(damage: Damage): string {
  const what =
    damage.problem === 'missing'
      ? 'object missing'
      : damage.problem === 'unreadable'
        ? `could not be read: ${damage.found ?? 'unknown error'}`
        : `expected ${damage.expected ?? '?'}, found ${damage.found ?? '?'}`;
  return `file ${damage.path} (${damage.key}): ${what}`;
}

/** The error for damaged files: a capped message and every damage in `details.damaged`. */
export function damageError(level: VerificationLevel, damaged: readonly Damage[], checked: number): BankError {
  const sorted = [...damaged].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files = new Set(sorted.map((damage) => damage.path)).size;
  let message = `Verification (${level}) found ${files} of ${checked} files damaged: `;
  let shown = 0;
  for (const damage of sorted) {
    const line = describeDamage(damage);
    if (shown > 0 && message.length + line.length > MESSAGE_LIMIT) break;
    message += `${shown > 0 ? '; ' : ''}${line}`;
    shown++;
  }
  if (shown < sorted.length) message += `; and ${sorted.length - shown} more problems (see details.damaged)`;
  return new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY', details: { level, checked, damagedFiles: files, damaged: sorted } });
}

/** Checks one file at `level`; returns its problems (none when intact). */
async function checkFile(bank: BankSection, file: ManifestFile, level: VerificationLevel, signal: AbortSignal, progress: ProgressReporter): Promise<Damage[]> {
  const base = { path: file.path, key: file.key };
  const rethrowCancel = (error: unknown): void => {
    if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
  };
  let info;
  try {
    info = await bank.head(file.key);
  } catch (error) {
    rethrowCancel(error);
    return [{ ...base, problem: 'unreadable', found: messageOf(error) }];
  }
  if (info === undefined) return [{ ...base, problem: 'missing' }];
  const found: Damage[] = [];
  if (info.size !== file.size) found.push({ ...base, problem: 'size', expected: `${file.size} bytes`, found: `${info.size} bytes` });
  if (level !== 'presence' && info.etag !== file.md5) found.push({ ...base, problem: 'etag', expected: `md5 ${file.md5}`, found: `etag ${info.etag}` });
  if (level === 'full') {
    try {
      const digest = await digestOf(await bank.getObject(file.key, { signal }), { onBytes: (bytes) => progress.addBytes(bytes) });
      if (digest.sha256 !== file.sha256 || digest.size !== file.size) {
        found.push({ ...base, problem: 'content', expected: `sha256 ${short(file.sha256)} (${file.size} bytes)`, found: `sha256 ${short(digest.sha256)} (${digest.size} bytes read)`, expectedSha256: file.sha256, foundSha256: digest.sha256 });
      }
    } catch (error) {
      rethrowCancel(error);
      found.push({ ...base, problem: 'unreadable', found: messageOf(error) });
    }
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
      const damaged: Damage[] = [];
      let done = 0;
      await forEachLimit(files, { concurrency: settings.concurrency, signal }, async (file, _index, stop) => {
        damaged.push(...(await checkFile(context.bank, file, level, stop, progress)));
        progress.fraction(++done / files.length);
      });
      if (damaged.length > 0) throw damageError(level, damaged, files.length);
      context.logger.info('Directory backup verified', { level, files: files.length, bytes: manifest.totals.bytes });
    },
  };
}
