/**
 * Byte and assertion helpers of the bank-driver conformance suite: md5 etags, UTF-8 bytes,
 * whole streams, refusals by error code, and the byte order listings follow.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/** The md5 of `bytes`, in hex: the etag a driver records for them. */
export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** The UTF-8 bytes of `text`. */
export const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Every chunk of `stream`, concatenated. */
export async function readStream(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Expects `promise` to reject with an error carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** Sorted by UTF-8 bytes with Buffer.compare: an independent oracle for compareKeys. */
export function byteSorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(bytesOf(a), bytesOf(b)));
}
