/**
 * Lazily opened bodies. A stream opened before its consumer starts reading can fail or be
 * aborted while nobody listens (an unhandled `error`), and one the consumer never reads can
 * stay open. A lazy body opens its stream only when the consumer first pulls, iterates it at
 * once, and is closed by the producer when the consumer is done — whatever happened.
 *
 * @module
 */
import type { Readable } from 'node:stream';

/** A body to hand to a consumer, and the way to release it afterwards. */
export interface LazyBody {
  /** The bytes; the stream is opened on the first pull. */
  readonly body: AsyncGenerator<Uint8Array>;
  /** Releases the stream (call in `finally` once the consumer settled); idempotent. */
  close(): void;
}

/**
 * Wraps `open` so that the stream exists only while the consumer reads it; `onBytes`, when
 * given, is told the length of every chunk that passes (progress, without another stage).
 */
export function lazyBody(open: () => Promise<Readable> | Readable, onBytes?: (bytes: number) => void): LazyBody {
  let stream: Readable | undefined;
  let closed = false;
  async function* pull(): AsyncGenerator<Uint8Array> {
    if (closed) return;
    const opened = await open();
    if (closed) {
      opened.destroy();
      return;
    }
    stream = opened;
    try {
      for await (const chunk of opened) {
        onBytes?.((chunk as Uint8Array).length);
        yield chunk as Uint8Array;
      }
    } finally {
      opened.destroy();
    }
  }
  return {
    body: pull(),
    close() {
      closed = true;
      stream?.destroy();
    },
  };
}
