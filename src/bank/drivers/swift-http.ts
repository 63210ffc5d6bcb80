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

/** Sends requests with the current token, re-authenticating once on a 401. */
export class SwiftClient {
  readonly #sessions: SwiftSessions;
  readonly #fetch: FetchFunction;

  /** A client over a session cache and a fetch function. */
  constructor(sessions: SwiftSessions, fetchFn: FetchFunction) {
    this.#sessions = sessions;
    this.#fetch = fetchFn;
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
    const url = (base: string): string => {
      const query = request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
      return `${base}${request.path}${query}`;
    };
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
export async function statusError(response: Response, what: SwiftOperation): Promise<FrameworkError> {
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
