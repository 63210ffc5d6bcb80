/**
 * Hashing while streaming: bytes pass through unchanged while their sha256 (and, when asked,
 * md5) and count are computed, so a file is read once whether it is being stored, restored or
 * verified.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { digestOffThread } from './hash-worker.js';

/** What a stream hashed to. */
export interface ContentDigest {
  /** Hex sha256. */
  readonly sha256: string;
  /** Hex md5 (`''` when not computed). */
  readonly md5: string;
  /** Bytes. */
  readonly size: number;
}

/** A pass-through stage and its result. */
export interface HashingStream {
  /** The bytes of the source, unchanged; consume it to the end. */
  readonly stream: AsyncGenerator<Uint8Array>;
  /** The digest of everything that passed (call once, after the end). */
  result(): ContentDigest;
}

/** Options of {@link hashingStream}. */
export interface HashingOptions {
  /** Also compute md5. @default false */
  readonly md5?: boolean;
  /** Called with the length of every chunk that passes (progress). */
  readonly onBytes?: (bytes: number) => void;
}

/** Wraps `source` in a stage that hashes what passes through it. */
export function hashingStream(source: AsyncIterable<unknown> | Iterable<unknown>, options: HashingOptions = {}): HashingStream {
  const sha256 = createHash('sha256');
  const md5: Hash | undefined = options.md5 === true ? createHash('md5') : undefined;
  let size = 0;
  async function* pass(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = chunk as Uint8Array;
      sha256.update(bytes);
      md5?.update(bytes);
      size += bytes.length;
      options.onBytes?.(bytes.length);
      yield bytes;
    }
  }
  return {
    stream: pass(),
    result: () => ({ sha256: sha256.digest('hex'), md5: md5 === undefined ? '' : md5.digest('hex'), size }),
  };
}

/**
 * Reads `source` to the end and returns its digest. The hashing runs on a pool of worker
 * threads when more than one CPU is available (see `hash-worker.ts`), so reading and hashing
 * several streams at once uses every core; otherwise on this thread.
 */
export async function digestOf(source: AsyncIterable<unknown> | Iterable<unknown>, options: HashingOptions = {}): Promise<ContentDigest> {
  return digestOffThread(source, options);
}
