/**
 * Helpers for object bodies: turning an {@link ObjectBody} into a pipeline source, hashing
 * while streaming (md5 etag and size, never holding the whole object), reading small objects
 * whole, and slicing a byte range out of a stream.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectBody } from '../../core/bank-section.js';
import { ValidationError } from '../../core/errors.js';

/** md5 of the empty string: the etag of an empty object. */
export const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** Whether `value` is something {@link ObjectBody} allows. */
export function isObjectBody(value: unknown): value is ObjectBody {
  if (value instanceof Uint8Array) return true;
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** A source `stream.pipeline` accepts for any body (a buffer becomes a one-chunk iterable). */
export function sourceOf(body: ObjectBody): Readable | AsyncIterable<Uint8Array> {
  return body instanceof Uint8Array ? Readable.from([body], { objectMode: false }) : body;
}

/** Releases a body that will not be read (closes a stream so its file or socket is freed). */
export function discardBody(body: ObjectBody, error?: Error): void {
  if (body instanceof Readable) body.destroy(error);
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new ValidationError(`Object bodies must yield bytes (Uint8Array), got a ${typeof chunk} chunk`, {
    code: 'KTS_ERR_VALIDATION',
  });
}

/** Counts and md5-hashes the bytes that stream through {@link Md5Meter.transform}. */
export interface Md5Meter {
  /** A pipeline stage that passes chunks through unchanged while hashing them. */
  readonly transform: (source: AsyncIterable<unknown>) => AsyncGenerator<Uint8Array>;
  /** The hex md5 and byte count of everything that went through (call once, at the end). */
  result(): { etag: string; size: number };
}

/** Creates a {@link Md5Meter}. */
export function createMd5Meter(): Md5Meter {
  const hash = createHash('md5');
  let size = 0;
  return {
    async *transform(source) {
      for await (const chunk of source) {
        const bytes = toBytes(chunk);
        hash.update(bytes);
        size += bytes.length;
        yield bytes;
      }
    },
    result: () => ({ etag: hash.digest('hex'), size }),
  };
}

/** Hex md5 of a buffer. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Hex md5 and size of a whole stream, reading it chunk by chunk. */
export async function md5OfStream(stream: AsyncIterable<unknown>): Promise<{ etag: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = toBytes(chunk);
    hash.update(bytes);
    size += bytes.length;
  }
  return { etag: hash.digest('hex'), size };
}

/** Reads a whole stream into one buffer (for small objects such as JSON documents). */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(toBytes(chunk));
  return Buffer.concat(chunks);
}

/**
 * The bytes `start..end` (inclusive; `end` open when absent) of a stream, as a new stream.
 * Used when a driver has no native ranges: it still reads from the beginning, but stops (and
 * closes the source) once `end` is passed.
 */
export function sliceStream(source: Readable, start: number, end?: number): Readable {
  async function* slice(): AsyncGenerator<Uint8Array> {
    let offset = 0;
    try {
      for await (const chunk of source) {
        const bytes = toBytes(chunk);
        const from = Math.max(start - offset, 0);
        const to = end === undefined ? bytes.length : Math.min(end + 1 - offset, bytes.length);
        offset += bytes.length;
        if (to > from) yield bytes.subarray(from, to);
        if (end !== undefined && offset > end) return;
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(slice(), { objectMode: false });
}

/**
 * The inclusive byte range `[start, end]` a ranged read of an object of `size` bytes returns,
 * or `undefined` when it is empty. `start` defaults to 0 and `end` to the last byte; an `end`
 * past the last byte is clamped, and a `start` at or past the end gives an empty read. Every
 * driver applies the same rule (the facade has already refused negative or inverted ranges).
 */
export function resolveRange(size: number, options: { start?: number; end?: number } = {}): { start: number; end: number } | undefined {
  const start = options.start ?? 0;
  const end = Math.min(options.end ?? size - 1, size - 1);
  return start > end ? undefined : { start, end };
}
