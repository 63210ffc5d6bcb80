/**
 * The request helper every OpenStack client is built on: one {@link HttpClient} per service.
 *
 * - **Endpoint and auth** come from a {@link ServiceEndpoint}; after a 401 the client asks it to
 *   renew the credentials and repeats the request once (when the body can be sent again).
 * - **Timeouts**: each attempt must answer within `timeoutMs` (headers, and the whole body for
 *   JSON answers); while a streamed request body is being sent, the clock restarts with every
 *   chunk (so `timeoutMs` bounds a stall, not a large upload); a streamed response is read at
 *   the caller's pace, cancelled only by the caller's `signal`.
 * - **Retries** with exponential backoff and jitter, for requests that are safe to repeat:
 *   a connection that could not be opened (the request never left) is retried for every
 *   method; a reset connection, a timeout, a 5xx, 408 or 429 only for idempotent requests
 *   (GET, HEAD, PUT, DELETE, or any request marked `idempotent`). `Retry-After` is honoured.
 *   A one-shot stream body is never retried; pass a function that makes the body to allow it.
 * - **Streaming** request bodies (`AsyncIterable<Uint8Array>` or a web `ReadableStream`) and
 *   responses (`stream: true` hands back the unread `Response`).
 * - **Coded errors** (`src/core`): 400 and 422 → `ValidationError`, 401 → `AuthenticationError`,
 *   403 → `ForbiddenError`, 404 → `NotFoundError` whose message names the service and the
 *   resource, 409 → `ConflictError`, 413 → `LimitError`, 408/429/5xx and connection failures →
 *   a retryable {@link UPSTREAM_UNAVAILABLE} `UnavailableError` (after the retries), timeouts →
 *   `TimeoutError`, an aborted `signal` → `CancelledError`. Every error's `details` has
 *   `service`, `method`, `path` and, for HTTP answers, `status`, the upstream message and the
 *   `X-Openstack-Request-Id`.
 *
 * @module
 */
import {
  AuthenticationError,
  CancelledError,
  ConflictError,
  ForbiddenError,
  InternalError,
  LimitError,
  NotFoundError,
  TimeoutError,
  UnavailableError,
  ValidationError,
  isFrameworkError,
  messageOf,
  type FrameworkError,
} from '../core/errors.js';
import type { ErrorCodeOf } from '../core/error-codes.js';
import type { ResolvedEndpoint, ServiceEndpoint } from './endpoint.js';
import { defaultFetch, type FetchFunction } from './transport.js';

/**
 * The code of the error for an OpenStack service that could not be reached or answered 408, 429
 * or 5xx (after the retries); `details.service` names the service.
 */
export const UPSTREAM_UNAVAILABLE: ErrorCodeOf<'unavailable'> = 'KTS_ERR_UPSTREAM_UNAVAILABLE';

/** The HTTP methods the clients use. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request body: bytes in hand (sent again on a retry) or a stream (sent once). */
export type RequestBody = string | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Retry policy: exponential backoff with jitter. */
export interface RetryOptions {
  /** Attempts after the first one. @default 3 */
  readonly retries?: number;
  /** The backoff before the first retry; it doubles with every further one. @default 250 */
  readonly baseDelayMs?: number;
  /** The longest backoff (and the longest `Retry-After` honoured). @default 8_000 */
  readonly maxDelayMs?: number;
}

/** What {@link HttpClientOptions.onRetry} is told before a retry. */
export interface RetryEvent {
  /** The service, e.g. `Glance`. */
  readonly service: string;
  /** The request's method. */
  readonly method: HttpMethod;
  /** The request's path below the endpoint. */
  readonly path: string;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  /** How long the client waits before the next attempt. */
  readonly delayMs: number;
  /** Why the attempt failed. */
  readonly error: FrameworkError;
}

/** Options shared by every client (Glance, Cinder, Keystone). */
export interface ClientOptions {
  /** The `fetch` to send requests with. @default the `node:http` transport of `transport.ts` */
  readonly fetch?: FetchFunction;
  /** Longest wait for an answer, per attempt. @default 60_000 */
  readonly timeoutMs?: number;
  /** The retry policy. */
  readonly retry?: RetryOptions;
  /** Called before each retry (for logs and metrics). */
  readonly onRetry?: (event: RetryEvent) => void;
  /** The random source of the backoff jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Options of {@link HttpClient}. */
export interface HttpClientOptions extends ClientOptions {
  /** The service's name in messages and `details.service`, e.g. `Glance`. */
  readonly service: string;
  /** Where requests go and how they are authenticated. */
  readonly endpoint: ServiceEndpoint;
  /** Headers sent with every request (below the endpoint's and the request's own). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The resource a request is about, for error messages (`Glance image 1234 not found`). */
export interface ResourceRef {
  /** The resource type in words: `image`, `volume`, `backup`. */
  readonly type: string;
  /** Its id, when the request names one. */
  readonly id?: string;
}

/** One request. */
export interface RequestSpec {
  /** The method. */
  readonly method: HttpMethod;
  /** The path below the endpoint's URL, starting with `/`, already encoded. */
  readonly path: string;
  /** Query parameters; `undefined` values are left out. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Extra headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (sets `Content-Type: application/json`). */
  readonly json?: unknown;
  /** A raw body, or a function that makes a fresh one per attempt (which makes a stream retryable). */
  readonly body?: RequestBody | (() => RequestBody);
  /** Whether repeating the request is harmless. @default true for GET, HEAD, PUT and DELETE */
  readonly idempotent?: boolean;
  /** What the request is about, for error messages. */
  readonly resource?: ResourceRef;
  /** Overrides the client's per-attempt timeout. */
  readonly timeoutMs?: number;
  /** Cancels the request, its retries and (with `stream`) the response body. */
  readonly signal?: AbortSignal | undefined;
  /** Hand back the response with its body unread; the timeout then covers the headers only. */
  readonly stream?: boolean;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** Transport failures where the request never reached the server: safe to retry for any method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

interface Failure {
  readonly error: FrameworkError;
  readonly retry: boolean;
  readonly retryAfterMs?: number;
}

/** Which request an error is about, for messages and `details`. */
export interface RequestTarget {
  /** The service, e.g. `Glance`. */
  readonly service: string;
  /** The method. */
  readonly method: HttpMethod;
  /** The path below the endpoint. */
  readonly path: string;
  /** What the request is about. */
  readonly resource?: ResourceRef | undefined;
}

function label(where: RequestTarget): string {
  const { resource } = where;
  if (resource === undefined) return where.service;
  return `${where.service} ${resource.type}${resource.id === undefined ? '' : ` ${resource.id}`}`;
}

function baseDetails(where: RequestTarget): Record<string, unknown> {
  return {
    service: where.service,
    method: where.method,
    path: where.path,
    ...(where.resource === undefined ? {} : { resourceType: where.resource.type, ...(where.resource.id === undefined ? {} : { resourceId: where.resource.id }) }),
  };
}

/**
 * The human part of an OpenStack error body: Cinder's `{"itemNotFound": {"message": …}}`,
 * Glance's `{"message": …}` or its HTML page, with markup and repeated whitespace removed.
 */
export function upstreamMessage(text: string): string {
  let message = text;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const inner = Object.values(record).find((value): value is Record<string, unknown> => value !== null && typeof value === 'object' && 'message' in value);
      const candidate = typeof record.message === 'string' ? record.message : inner?.message;
      if (typeof candidate === 'string') message = candidate;
      else if (typeof record.error === 'object' && record.error !== null && typeof (record.error as Record<string, unknown>).message === 'string') {
        message = (record.error as Record<string, string>).message!;
      }
    }
  } catch {
    // not JSON: an HTML or text page
    message = text.replace(/<title>[\s\S]*?<\/title>/iu, ' ').replace(/<h1>[\s\S]*?<\/h1>/iu, ' ');
  }
  return message
    .replace(/<[^>]*>/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .slice(0, 500);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/**
 * The coded error for an HTTP answer that is not a success (reads, and so releases, the body).
 * Exported for clients that check statuses themselves.
 */
export async function statusError(response: Response, where: RequestTarget): Promise<FrameworkError> {
  const text = await response.text().catch(() => '');
  const upstream = upstreamMessage(text);
  const status = response.status;
  const requestId = response.headers.get('x-openstack-request-id') ?? response.headers.get('x-compute-request-id') ?? undefined;
  const details = { ...baseDetails(where), status, ...(upstream === '' ? {} : { upstream }), ...(requestId === undefined ? {} : { requestId }) };
  const request = `${where.method} ${where.path}`;
  const suffix = `(${request}: HTTP ${status}${upstream === '' ? '' : ` ${upstream}`})`;
  const who = label(where);
  switch (true) {
    case status === 400 || status === 422:
      return new ValidationError(`${who}: the request was refused ${suffix}`, { details });
    case status === 401:
      return new AuthenticationError(`${where.service} refused the credentials ${suffix}`, { details });
    case status === 403:
      return new ForbiddenError(`${where.service} does not allow this ${suffix}`, { details });
    case status === 404:
      return new NotFoundError(`${who} not found ${suffix}`, { details });
    case status === 409:
      return new ConflictError(`${who}: conflict with its current state ${suffix}`, { details });
    case status === 413:
      return new LimitError(`${who}: a size or quota limit was exceeded ${suffix}`, { details });
    case RETRY_STATUS.has(status) || (status >= 500 && status !== 501):
      return new UnavailableError(`${where.service} failed ${suffix}`, { code: UPSTREAM_UNAVAILABLE, details });
    default:
      return new InternalError(`${who}: unexpected answer ${suffix}`, { details });
  }
}

function errnoOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

class TimeoutMarker extends Error {}

async function discard(response: Response): Promise<void> {
  if (response.body === null || response.bodyUsed) return;
  await response.arrayBuffer().catch(() => undefined);
}

/** Waits `ms`, or throws a `CancelledError` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(signal: AbortSignal, what = 'The request'): CancelledError {
  const reason: unknown = signal.reason;
  if (isFrameworkError(reason) && reason.code === 'KTS_ERR_CANCELLED') return reason as CancelledError;
  return new CancelledError(`${what} was cancelled`, { cause: reason });
}

const isStream = (body: RequestBody): body is ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> =>
  typeof body !== 'string' && !(body instanceof Uint8Array);

/** `body`, calling `onChunk` as each chunk is taken to be sent. */
async function* progressOf(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, onChunk: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    onChunk();
    yield chunk;
  }
}

/** Sends requests to one OpenStack service (see the module comment). */
export class HttpClient {
  /** The service's name in messages, e.g. `Glance`. */
  readonly service: string;
  readonly #endpoint: ServiceEndpoint;
  readonly #fetch: FetchFunction;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #random: () => number;

  /** A client for one service. */
  constructor(options: HttpClientOptions) {
    this.service = options.service;
    this.#endpoint = options.endpoint;
    this.#fetch = options.fetch ?? defaultFetch();
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#retries = Math.max(0, options.retry?.retries ?? 3);
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 250;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 8_000;
    this.#headers = options.headers ?? {};
    this.#onRetry = options.onRetry;
    this.#random = options.random ?? Math.random;
  }

  /** The endpoint's current base URL (authenticates first when it must). */
  async baseUrl(signal?: AbortSignal): Promise<string> {
    return (await this.#endpoint.resolve(signal)).url;
  }

  /** Sends `spec` and parses the JSON answer (`undefined` for an empty one). */
  json<T>(spec: RequestSpec): Promise<T> {
    return this.#execute(spec, async (response, where) => {
      const text = await response.text();
      if (text.trim() === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new InternalError(`${label(where)}: ${where.service} answered ${where.method} ${where.path} with invalid JSON`, {
          details: { ...baseDetails(where), status: response.status, body: text.slice(0, 200) },
          cause: error,
        });
      }
    });
  }

  /** Sends `spec` and discards the answer's body; resolves with the response (for its status and headers). */
  send(spec: RequestSpec): Promise<Response> {
    return this.#execute(spec, async (response) => {
      if (spec.stream !== true) await discard(response);
      return response;
    });
  }

  /** Sends `spec` and hands back the successful response with its body unread, for streaming. */
  stream(spec: RequestSpec): Promise<Response> {
    return this.#execute({ ...spec, stream: true }, (response) => Promise.resolve(response));
  }

  #url(resolved: ResolvedEndpoint, spec: RequestSpec): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) query.append(name, String(value));
    const text = query.toString();
    return `${resolved.url}${spec.path}${text === '' ? '' : `?${text}`}`;
  }

  #init(spec: RequestSpec, resolved: ResolvedEndpoint, signal: AbortSignal, onProgress: () => void): RequestInit {
    const headers: Record<string, string> = { Accept: 'application/json', ...this.#headers, ...resolved.headers, ...spec.headers };
    const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers, signal };
    if (spec.json !== undefined) {
      init.body = JSON.stringify(spec.json);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    } else if (spec.body !== undefined) {
      const body = typeof spec.body === 'function' ? spec.body() : spec.body;
      if (isStream(body)) {
        // an upload answers only after its last byte: the timeout restarts with every chunk sent
        init.body = progressOf(body, onProgress) as unknown as NonNullable<RequestInit['body']>;
        init.duplex = 'half';
      } else init.body = body as NonNullable<RequestInit['body']>;
    }
    return init;
  }

  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    const exponential = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    // "equal jitter": at least half the backoff, so retries never bunch up at zero
    const jittered = exponential / 2 + this.#random() * (exponential / 2);
    return Math.round(retryAfterMs === undefined ? jittered : Math.min(this.#maxDelayMs, Math.max(jittered, retryAfterMs)));
  }

  async #execute<T>(spec: RequestSpec, consume: (response: Response, where: RequestTarget) => Promise<T>): Promise<T> {
    const where: RequestTarget = { service: this.service, method: spec.method, path: spec.path, resource: spec.resource };
    const oneShot = spec.body !== undefined && typeof spec.body !== 'function' && isStream(spec.body);
    const idempotent = spec.idempotent ?? IDEMPOTENT.has(spec.method);
    const timeoutMs = spec.timeoutMs ?? this.#timeoutMs;
    let renewed = false;
    for (let attempt = 1; ; attempt += 1) {
      if (spec.signal?.aborted) throw cancelled(spec.signal, `${this.service} ${spec.method} ${spec.path}`);
      const resolved = await this.#endpoint.resolve(spec.signal);
      const controller = new AbortController();
      let timedOut = false;
      const expire = (): void => {
        timedOut = true;
        controller.abort(new TimeoutMarker(`no answer within ${timeoutMs} ms`));
      };
      let timer = setTimeout(expire, timeoutMs);
      const progressed = (): void => {
        if (timedOut || controller.signal.aborted) return;
        clearTimeout(timer);
        timer = setTimeout(expire, timeoutMs);
      };
      const onAbort = (): void => controller.abort(spec.signal!.reason);
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      let keepListening = false;
      let failure: Failure;
      try {
        const response = await this.#fetch(this.#url(resolved, spec), this.#init(spec, resolved, controller.signal, progressed));
        if (response.status === 401 && this.#endpoint.renew !== undefined && !renewed) {
          renewed = true;
          if (!oneShot) {
            await discard(response);
            await this.#endpoint.renew(resolved, spec.signal);
            attempt -= 1; // a renewed token is not a retry
            continue;
          }
          // a stream cannot be sent again: renew for the next call, and fail this one
          const error = await statusError(response, where);
          await this.#endpoint.renew(resolved, spec.signal);
          throw new AuthenticationError(`${error.message}; the credentials were renewed, send the stream again`, { details: error.details });
        }
        if (response.ok) {
          if (spec.stream === true) {
            clearTimeout(timer);
            keepListening = true; // the caller's signal still cancels the body
          }
          return await consume(response, where);
        }
        const error = await statusError(response, where);
        failure = { error, retry: idempotent && !oneShot && error.retryable && error.kind !== 'conflict', retryAfterMs: retryAfterOf(response) };
      } catch (error) {
        failure = this.#classify(error, where, { timedOut, timeoutMs, signal: spec.signal, idempotent: idempotent && !oneShot, oneShot });
      } finally {
        clearTimeout(timer);
        if (!keepListening) spec.signal?.removeEventListener('abort', onAbort);
      }
      if (!failure.retry || attempt > this.#retries) throw withAttempts(failure.error, attempt);
      const delayMs = this.#backoff(attempt, failure.retryAfterMs);
      this.#onRetry?.({ service: this.service, method: spec.method, path: spec.path, attempt, delayMs, error: failure.error });
      await sleep(delayMs, spec.signal);
    }
  }

  #classify(
    error: unknown,
    where: RequestTarget,
    context: { timedOut: boolean; timeoutMs: number; signal: AbortSignal | undefined; idempotent: boolean; oneShot: boolean },
  ): Failure {
    if (context.signal?.aborted) return { error: cancelled(context.signal, `${where.service} ${where.method} ${where.path}`), retry: false };
    if (context.timedOut) {
      return {
        error: new TimeoutError(`${label(where)}: ${where.service} did not answer ${where.method} ${where.path} within ${context.timeoutMs} ms`, {
          details: { ...baseDetails(where), timeoutMs: context.timeoutMs },
          cause: error,
        }),
        retry: context.idempotent,
      };
    }
    if (isFrameworkError(error)) return { error, retry: false };
    const errno = errnoOf(error);
    const notSent = errno !== undefined && NOT_SENT.has(errno);
    const reason = errno === undefined ? messageOf(error) : `${messageOf(error)} (${errno})`;
    return {
      error: new UnavailableError(`${where.service} could not be reached for ${where.method} ${where.path}: ${reason}`, {
        code: UPSTREAM_UNAVAILABLE,
        details: { ...baseDetails(where), ...(errno === undefined ? {} : { errno }) },
        cause: error,
      }),
      retry: (notSent && !context.oneShot) || context.idempotent,
    };
  }
}

/** Records in `details.attempts` how many attempts an error ended (when there were several). */
function withAttempts(error: FrameworkError, attempts: number): FrameworkError {
  if (attempts > 1) (error as { details: Readonly<Record<string, unknown>> }).details = { ...error.details, attempts };
  return error;
}
