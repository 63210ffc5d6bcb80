/**
 * Verify at three levels, each including the cheaper ones:
 *
 * - `presence` — the manifest is readable, valid and this image's; every chunk object exists
 *   with the size the manifest records (one `head` per chunk; no data read);
 * - `checksum` — also every chunk's etag, as the bank reports it, equals the manifest's md5 of
 *   the chunk (no data read; on a Swift bank that is Swift's own ETag, the md5 Swift computed
 *   when the object was written — the seed's "etag of objects in the swift bank");
 * - `full` — also every chunk is re-read, in order, and re-hashed: its md5, sha256 and size
 *   against the manifest, and the whole image's md5 (and `os_hash_algo` hash, when Node knows
 *   the algorithm) against the `checksum` and `os_hash_value` Glance recorded at protect time.
 *
 * Glance is not contacted: a checkpoint verifies while Glance is down or after the image was
 * deleted, and an image's data never changes in Glance, so its live checksum is the recorded one.
 *
 * Every chunk is checked; then one `KTS_ERR_BANK_INTEGRITY` error names each damaged chunk (its
 * index and key, expected vs found) in a capped message, all of them in `details.damaged`.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import type { BankSection } from '../../core/bank-section.js';
import { BankError, isCancellation, messageOf } from '../../core/errors.js';
import type { Operation, VerificationLevel, VerifyContext } from '../../core/operation.js';
import { asCancelled } from '../bank-copy/index.js';
import { cappedMessage, checkEach, describeProblem, headProblems } from '../manifest-backup/verify.js';
import { canHash, readImageManifest } from './manifest.js';
import type { GlanceImageSettings } from './protect.js';
import type { Manifest, ManifestChunk } from './schemas.js';

/** One problem found with one chunk (or, for `image`, with the whole image's digests). */
export interface ChunkDamage {
  /** The chunk's index (`-1` for the whole image). */
  readonly index: number;
  /** Its object key (`image` for the whole image). */
  readonly key: string;
  /** What is wrong. */
  readonly problem: 'missing' | 'size' | 'etag' | 'content' | 'unreadable' | 'image';
  /** What the manifest says. */
  readonly expected?: string;
  /** What was found. */
  readonly found?: string;
}

/** One line for a damage: `chunk 3 (chunks/000003): expected md5 …, found etag …`. */
export function describeChunkDamage(damage: ChunkDamage): string {
  const what = describeProblem(damage);
  return damage.index < 0 ? `whole image: ${what}` : `chunk ${damage.index} (${damage.key}): ${what}`;
}

/** The error for damaged chunks: a capped message and every damage in `details.damaged`. */
export function chunkDamageError(level: VerificationLevel, imageId: string, damaged: readonly ChunkDamage[], checked: number): BankError {
  const sorted = [...damaged].sort((a, b) => a.index - b.index);
  const chunks = new Set(sorted.filter((damage) => damage.index >= 0).map((damage) => damage.index)).size;
  const message = cappedMessage(`Verification (${level}) of image ${imageId} found ${chunks} of ${checked} chunks damaged: `, sorted.map(describeChunkDamage));
  return new BankError(message, { code: 'KTS_ERR_BANK_INTEGRITY', details: { level, imageId, checked, damagedChunks: chunks, damaged: sorted } });
}

/** Head checks of one chunk at `level` (presence: exists and size; checksum: also etag). */
async function headChunk(bank: BankSection, chunk: ManifestChunk, level: VerificationLevel, signal: AbortSignal): Promise<ChunkDamage[]> {
  return (await headProblems(bank, chunk, level, signal)).map((problem) => ({ index: chunk.index, key: chunk.key, ...problem }));
}

const short = (digest: string): string => `${digest.slice(0, 16)}…`;

/**
 * Re-reads every chunk in order: per chunk md5, sha256 and size against the manifest; the whole
 * image's digests against Glance's, when every chunk could be read in full.
 */
async function readChunks(context: VerifyContext, manifest: Manifest, skip: ReadonlySet<number>): Promise<ChunkDamage[]> {
  const { bank, signal, progress } = context;
  const damaged: ChunkDamage[] = [];
  const wholeMd5 = createHash('md5');
  const osHash: Hash | undefined = canHash(manifest.image.os_hash_algo) ? createHash(manifest.image.os_hash_algo) : undefined;
  let whole = true;
  for (const chunk of manifest.chunks) {
    if (signal.aborted) throw asCancelled(signal.reason);
    if (skip.has(chunk.index)) {
      whole = false;
      continue;
    }
    const base = { index: chunk.index, key: chunk.key };
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let size = 0;
    try {
      for await (const piece of await bank.getObject(chunk.key, { signal })) {
        const bytes = piece as Uint8Array;
        md5.update(bytes);
        sha256.update(bytes);
        wholeMd5.update(bytes);
        osHash?.update(bytes);
        size += bytes.length;
        progress.addBytes(bytes.length);
      }
    } catch (error) {
      if (isCancellation(error) || signal.aborted) throw asCancelled(signal.reason ?? error);
      damaged.push({ ...base, problem: 'unreadable', found: messageOf(error) });
      whole = false;
      continue;
    }
    const [foundMd5, foundSha256] = [md5.digest('hex'), sha256.digest('hex')];
    if (size !== chunk.size || foundMd5 !== chunk.md5 || foundSha256 !== chunk.sha256) {
      damaged.push({ ...base, problem: 'content', expected: `${chunk.size} bytes, md5 ${chunk.md5}, sha256 ${short(chunk.sha256)}`, found: `${size} bytes, md5 ${foundMd5}, sha256 ${short(foundSha256)}` });
      whole = false;
    }
  }
  if (whole) {
    const md5 = wholeMd5.digest('hex');
    if (md5 !== manifest.image.checksum) damaged.push({ index: -1, key: 'image', problem: 'image', expected: `Glance checksum ${manifest.image.checksum}`, found: `md5 ${md5}` });
    const value = osHash?.digest('hex');
    if (value !== undefined && value !== manifest.image.os_hash_value) {
      damaged.push({ index: -1, key: 'image', problem: 'image', expected: `Glance os_hash_value (${manifest.image.os_hash_algo}) ${short(manifest.image.os_hash_value ?? '')}`, found: short(value) });
    }
  }
  return damaged;
}

/** The verify operation of one image resource. */
export function createVerifyOperation(settings: GlanceImageSettings): Operation<VerifyContext> {
  return {
    async onMain(context) {
      const { level, signal, progress } = context;
      const manifest = await readImageManifest(context.bank, { imageId: context.resource.id });
      const chunks = manifest.chunks;
      // At full level, progress counts the bytes re-read below instead.
      const onFraction = level === 'full' ? undefined : (fraction: number): void => progress.fraction(fraction);
      const damaged = await checkEach(chunks, { concurrency: settings.concurrency, signal, onFraction }, (chunk, stop) => headChunk(context.bank, chunk, level, stop));
      if (level === 'full') {
        progress.addTotalBytes(manifest.totals.bytes);
        // A chunk already missing needs no read; the others are re-read and re-hashed.
        const missing = new Set(damaged.filter((damage) => damage.problem === 'missing').map((damage) => damage.index));
        damaged.push(...(await readChunks(context, manifest, missing)));
      }
      if (damaged.length > 0) throw chunkDamageError(level, manifest.image.id, damaged, chunks.length);
      context.logger.info('Image backup verified', { level, imageId: manifest.image.id, chunks: chunks.length, bytes: manifest.totals.bytes });
    },
  };
}
