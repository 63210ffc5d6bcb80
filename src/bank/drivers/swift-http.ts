/**
 * One authenticated request to Swift, and the mapping of HTTP answers to coded errors.
 *
 * Token refresh: a 401 makes the client re-authenticate once and repeat the request when its
 * body can be sent again (no body, or a buffer). A streamed body cannot be replayed: the
 * driver avoids that case by streaming only after an earlier request of the same operation
 * proved the token (and {@link SwiftSessions} renews tokens ahead of their expiry); if a token
 * is still revoked mid-stream, the write fails with the retryable `KTS_ERR_BANK_IO` and the
 * next attempt uses the new token.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { BankError, CancelledError, isCancellation, type FrameworkError } from '../../core/errors.js';
import { integrityError, ioError, objectNotFound, preconditionFailed } from '../internal/errors.js';
import type { FetchFunction, SwiftSessions } from './swift-auth.js';

/** One request, relative to the account's storage URL. */
export interface SwiftRequest {
  /** The HTTP method. */
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The path below the storage URL, already encoded, starting with `/`. */
  readonly path: string;
  /** Query parameters. */
  readonly query?: Readonly<Record<string, string>>;
  /** Request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes in hand (a buffer or chunks: replayable) or a stream (sent once). */
  readonly body?: Uint8Array | readonly Uint8Array[] | AsyncIterable<Uint8Array>;
  /** Cancels the request (and the response body). */
  readonly signal?: AbortSignal | undefined;
}

/** A GET of object content (see {@link SwiftClient.requestStream}). */
export type SwiftStreamRequest = Pick<SwiftRequest, 'path' | 'query' | 'headers' | 'signal'>;

/** What an operation was doing, for error messages. */
export interface SwiftOperation {
  /** `put`, `get`, `list`, … */
  readonly operation: string;
  /** The object key or container, when there is one. */
  readonly key?: string;
}

/** Encodes a container or object name for a URL path (each `/`-separated segment on its own). */
export function encodePath(...names: string[]): string {
  return names.map((name) => `/${name.split('/').map(encodeURIComponent).join('/')}`).join('');
}

/** Bodies in hand up to this size are joined into one buffer (sent with a Content-Length). */
const SMALL_BODY = 1024 * 1024;

/** The fetch body for bytes in hand: one buffer, or its chunks as they are (no copy) when larger. */
function bodyOf(body: Uint8Array | readonly Uint8Array[]): Uint8Array | AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (body.length === 1) return body[0]!;
  const size = body.reduce((total, chunk) => total + chunk.length, 0);
  if (size <= SMALL_BODY) return Buffer.concat(body, size);
  return (async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* body;
  })();
}

const isReplayable = (body: SwiftRequest['body']): body is Uint8Array | readonly Uint8Array[] => body instanceof Uint8Array || Array.isArray(body);

/**
 * Releases a response whose body is not needed: a small one is read to its end (so that the
 * keep-alive connection can be reused), a large or unsized one is cancelled.
 */
export async function discard(response: Response): Promise<void> {
  if (response.body === null || response.bodyUsed) return;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(length) && length <= 65_536) await response.arrayBuffer().catch(() => undefined);
  else await response.body.cancel().catch(() => undefined);
}

/** What a {@link StreamFunction} sends: a bodiless request. */
export interface StreamInit {
  /** The HTTP method (`GET`). */
  readonly method: string;
  /** Request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Cancels the request. */
  readonly signal?: AbortSignal;
}

/** An answer whose body is a Node stream (object content: no web-stream layer in between). */
export interface StreamAnswer {
  /** The HTTP status. */
  readonly status: number;
  /** The first value of a response header, by name (any case). */
  header(name: string): string | undefined;
  /** The body, as it comes off the socket. */
  readonly body: Readable;
  /** Reads the body as text (for error messages; bounded). */
  text(): Promise<string>;
  /** Releases a body that is not needed (keeping the connection when the body is small). */
  discard(): Promise<void>;
}

/** Sends a bodiless request and answers with its body as a Node stream. */
export type StreamFunction = (url: string, init: StreamInit) => Promise<StreamAnswer>;

/**
 * A {@link StreamFunction} over any `fetch` (an injected one: the default transport has its
 * own, without the web-stream layer).
 */
export function streamOverFetch(fetchFn: FetchFunction): StreamFunction {
  return async (url, init) => {
    const response = await fetchFn(url, { method: init.method, headers: init.headers, ...(init.signal === undefined ? {} : { signal: init.signal }) });
    let body: Readable | undefined;
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      get body(): Readable {
        body ??= response.body === null ? Readable.from([], { objectMode: false }) : Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>, { objectMode: false });
        return body;
      },
      text: () => response.text(),
      discard: () => discard(response),
    };
  };
}

/**
 * Makes every error `stream` is destroyed with a coded one ({@link transportError}:
 * `KTS_ERR_CANCELLED` once `signal` is aborted, else `KTS_ERR_BANK_IO`), without adding a
 * stream layer: Node destroys a response cut short through `destroy(error)`, which is wrapped
 * here on the instance. Also ties `signal` to the stream.
 */
export function codedBody<S extends Readable>(stream: S, what: SwiftOperation, signal?: AbortSignal): S {
  const destroy = stream.destroy;
  Object.defineProperty(stream, 'destroy', {
    configurable: true,
    writable: true,
    value(this: S, error?: Error | null, ...rest: unknown[]): S {
      const coded = error === undefined || error === null ? error : transportError(error, what, signal);
      return (destroy as (this: S, ...args: unknown[]) => S).call(this, coded, ...rest);
    },
  });
  if (signal !== undefined) {
    const onAbort = (): void => void stream.destroy(new CancelledError('aborted', { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  return stream;
}

/** Sends requests with the current token, re-authenticating once on a 401. */
export class SwiftClient {
  readonly #sessions: SwiftSessions;
  readonly #fetch: FetchFunction;
  readonly #stream: StreamFunction;

  /** A client over a session cache, a fetch function and (for object content) a stream function. */
  constructor(sessions: SwiftSessions, fetchFn: FetchFunction, streamFn: StreamFunction = streamOverFetch(fetchFn)) {
    this.#sessions = sessions;
    this.#fetch = fetchFn;
    this.#stream = streamFn;
  }

  #url(base: string, request: Pick<SwiftRequest, 'path' | 'query'>): string {
    const query = request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
    return `${base}${request.path}${query}`;
  }

  async #open(url: string, request: SwiftStreamRequest, token: string, what: SwiftOperation): Promise<StreamAnswer> {
    try {
      return await this.#stream(url, {
        method: 'GET',
        headers: { ...request.headers, 'X-Auth-Token': token },
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    } catch (error) {
      throw transportError(error, what, request.signal);
    }
  }

  /**
   * A GET whose body is wanted as a Node stream (object content), re-authenticating once on a
   * 401. Answers any status (map failures with {@link statusError}); the body's errors are not
   * yet coded (see {@link codedBody}).
   */
  async requestStream(request: SwiftStreamRequest, what: SwiftOperation): Promise<StreamAnswer> {
    let session = await this.#sessions.get();
    const answer = await this.#open(this.#url(session.storageUrl, request), request, session.token, what);
    if (answer.status !== 401) return answer;
    await answer.discard();
    session = await this.#sessions.refresh(session.token);
    return this.#open(this.#url(session.storageUrl, request), request, session.token, what);
  }

  async #send(url: string, request: SwiftRequest, token: string, what: SwiftOperation): Promise<Response> {
    const body = request.body === undefined ? undefined : isReplayable(request.body) ? bodyOf(request.body) : request.body;
    const init: RequestInit & { duplex?: 'half' } = {
      method: request.method,
      headers: { ...request.headers, 'X-Auth-Token': token },
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    };
    if (body !== undefined) {
      init.body = body as NonNullable<RequestInit['body']>;
      if (!(body instanceof Uint8Array)) init.duplex = 'half';
    }
    try {
      return await this.#fetch(url, init);
    } catch (error) {
      throw transportError(error, what, request.signal);
    }
  }

  /** Sends `request`; answers any status (map failures with {@link statusError}). */
  async request(request: SwiftRequest, what: SwiftOperation): Promise<Response> {
    let session = await this.#sessions.get();
    const url = (base: string): string => this.#url(base, request);
    let response = await this.#send(url(session.storageUrl), request, session.token, what);
    if (response.status !== 401) return response;
    await discard(response);
    session = await this.#sessions.refresh(session.token);
    if (request.body !== undefined && !isReplayable(request.body)) {
      throw new BankError(`Swift refused the token while a stream was being sent (${what.operation}); re-authenticated, retry the operation`, {
        code: 'KTS_ERR_BANK_IO',
        details: { ...what, status: 401 },
      });
    }
    response = await this.#send(url(session.storageUrl), request, session.token, what);
    return response;
  }
}

/** The coded error for a failed fetch: cancellation, or `KTS_ERR_BANK_IO`. */
export function transportError(error: unknown, what: SwiftOperation, signal?: AbortSignal): FrameworkError {
  if (signal?.aborted === true || isCancellation(error)) {
    return new CancelledError(`Swift ${what.operation}${what.key === undefined ? '' : ` of ${JSON.stringify(what.key)}`} was cancelled`, {
      cause: signal?.reason ?? error,
    });
  }
  return ioError(what.operation, what.key, error);
}

/**
 * The coded error for a Swift answer that is not a success: 404 → object not found, 412 →
 * precondition failed, 422 → integrity (Swift checked the `ETag` we sent), 401/403 → auth,
 * anything else → `KTS_ERR_BANK_IO` (retryable). Reads (and so releases) the response body.
 */
export async function statusError(response: Pick<Response, 'status' | 'text'>, what: SwiftOperation): Promise<FrameworkError> {
  const text = (await response.text().catch(() => '')).replace(/<[^>]*>/gu, ' ').replace(/\s+/gu, ' ').trim().slice(0, 300);
  const key = what.key ?? '';
  switch (response.status) {
    case 404:
      return objectNotFound(key);
    case 412:
      return preconditionFailed(key, 'If-None-Match: *');
    case 422:
      return integrityError(key, 'the md5 sent as ETag', 'different bytes (Swift answered 422)');
    case 401:
    case 403:
      return new BankError(`Swift refused the credentials for ${what.operation} (HTTP ${response.status})`, {
        code: 'KTS_ERR_BANK_AUTH',
        details: { ...what, status: response.status, body: text },
      });
    default:
      return new BankError(`Swift ${what.operation}${what.key === undefined ? '' : ` of ${JSON.stringify(what.key)}`} failed: HTTP ${response.status} ${text}`, {
        code: 'KTS_ERR_BANK_IO',
        details: { ...what, status: response.status, body: text },
      });
  }
}
