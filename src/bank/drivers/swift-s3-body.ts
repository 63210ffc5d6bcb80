/**
 * Reading object bodies for the Swift and S3 drivers without ever holding a whole large object:
 * {@link readAhead} reads at most `limit + 1` bytes to decide between a single request (the
 * bytes are then in hand, their md5 known before sending) and a multi-part upload, and a
 * {@link ChunkReader} hands out the rest in bounded pieces (one segment or part at a time).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ObjectBody } from '../../core/bank-section.js';
import { ValidationError } from '../../core/errors.js';

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new ValidationError(`Object bodies must yield bytes (Uint8Array), got a ${typeof chunk} chunk`, {
    code: 'KTS_ERR_VALIDATION',
  });
}

/** Hands out the bytes of a stream in pieces of bounded size, splitting chunks at the bounds. */
export class ChunkReader {
  readonly #pending: Uint8Array[];
  readonly #source: AsyncIterator<unknown> | undefined;
  #ended: boolean;

  /** A reader over chunks already read (`head`), then whatever `source` still yields. */
  constructor(head: Uint8Array[], source?: AsyncIterator<unknown>) {
    this.#pending = head.filter((chunk) => chunk.length > 0);
    this.#source = source;
    this.#ended = source === undefined;
  }

  async #fill(): Promise<boolean> {
    while (this.#pending.length === 0 && !this.#ended) {
      const next = await this.#source!.next();
      if (next.done === true) this.#ended = true;
      else {
        const bytes = toBytes(next.value);
        if (bytes.length > 0) this.#pending.push(bytes);
      }
    }
    return this.#pending.length > 0;
  }

  /** Whether every byte has been handed out. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /**
   * Yields the next bytes, at most `limit` of them (fewer only at the end of the stream), in
   * pieces of at least `coalesce` bytes where the stream allows: small chunks are joined, so
   * that an HTTP upload sends fewer, larger writes (Swift ingests 64 KiB chunked frames
   * markedly slower than 1 MiB ones).
   */
  async *take(limit: number, coalesce = 1024 * 1024): AsyncGenerator<Uint8Array> {
    let left = limit;
    const parts: Uint8Array[] = [];
    let gathered = 0;
    const flush = (): Uint8Array => {
      const piece = parts.length === 1 ? parts[0]! : Buffer.concat(parts, gathered);
      parts.length = 0;
      gathered = 0;
      return piece;
    };
    while (left > 0 && (await this.#fill())) {
      const chunk = this.#pending[0]!;
      let piece: Uint8Array;
      if (chunk.length <= left) {
        this.#pending.shift();
        piece = chunk;
      } else {
        this.#pending[0] = chunk.subarray(left);
        piece = chunk.subarray(0, left);
      }
      left -= piece.length;
      parts.push(piece);
      gathered += piece.length;
      if (gathered >= coalesce) yield flush();
    }
    if (gathered > 0) yield flush();
  }

  /** Stops the source (closes a Node stream) and drops what is pending. */
  async close(): Promise<void> {
    this.#pending.length = 0;
    if (!this.#ended) {
      this.#ended = true;
      await this.#source?.return?.();
    }
  }
}

/** A body read ahead: either whole (small enough; its chunks, not copied) or a reader over all of it. */
export type ReadAhead =
  | { readonly whole: true; readonly chunks: readonly Uint8Array[]; readonly size: number }
  | { readonly whole: false; readonly reader: ChunkReader };

/** The chunks as one buffer (copied only when there are several). */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Buffer {
  const only = chunks.length === 1 ? chunks[0]! : undefined;
  return only !== undefined ? Buffer.from(only.buffer, only.byteOffset, only.byteLength) : Buffer.concat(chunks, size);
}

/** md5 (raw digest) of chunks. */
export function md5OfChunks(chunks: readonly Uint8Array[]): Buffer {
  const hash = createHash('md5');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest();
}

/**
 * Reads `body` until more than `limit` bytes came or it ended. A buffer is never copied; a
 * stream holds at most `limit` bytes plus one chunk in memory.
 */
export async function readAhead(body: ObjectBody, limit: number): Promise<ReadAhead> {
  if (body instanceof Uint8Array) {
    return body.length <= limit ? { whole: true, chunks: [body], size: body.length } : { whole: false, reader: new ChunkReader([body]) };
  }
  const source = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done === true) return { whole: true, chunks: head, size };
      const bytes = toBytes(next.value);
      head.push(bytes);
      size += bytes.length;
      if (size > limit) return { whole: false, reader: new ChunkReader(head, source) };
    }
  } catch (error) {
    await source.return?.().catch(() => undefined);
    throw error;
  }
}
