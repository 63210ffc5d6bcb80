/** Small pieces the bank driver tests share: sizes, digests, chunked bodies and error codes. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isFrameworkError } from '../../src/core/errors.js';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** The md5 of `bytes`, hex (an etag). */
export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** `bytes` as a stream of `size`-byte chunks (a body of unknown length). */
export function chunked(bytes: Uint8Array, size = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  })());
}

/** The error code `promise` rejects with; `no error` when it resolves, `uncoded: …` for an error without a code. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isFrameworkError(error) ? error.code : `uncoded: ${String(error)}`;
  }
  return 'no error';
}
