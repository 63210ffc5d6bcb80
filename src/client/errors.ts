/**
 * The client's errors are the project's coded errors: a fault the API answers is rebuilt from
 * its `error_code` (the server's own code, class and message), with `details.status` and
 * `details.requestId` added; a request that got no answer is `KTS_ERR_API_UNREACHABLE`; an answer
 * that is not the API's is `KTS_ERR_API_RESPONSE_INVALID`.
 *
 * @module
 */
// The error modules alone, not core's barrel: the client loads no validator (ajv) and no flow code.
import { isErrorCode, type ErrorCode } from '../core/error-codes.js';
import { CancelledError, FrameworkError, TimeoutError, createFrameworkError } from '../core/errors.js';

/** The code for an answer whose fault names no code this client knows, by HTTP status. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'KTS_ERR_VALIDATION',
  401: 'KTS_ERR_UNAUTHORIZED',
  403: 'KTS_ERR_FORBIDDEN',
  404: 'KTS_ERR_NOT_FOUND',
  405: 'KTS_ERR_METHOD_NOT_ALLOWED',
  409: 'KTS_ERR_CONFLICT',
  413: 'KTS_ERR_QUOTA_EXCEEDED',
  415: 'KTS_ERR_UNSUPPORTED_MEDIA_TYPE',
  504: 'KTS_ERR_TIMEOUT',
};

/** Where a request went, for error details. */
export interface RequestPlace {
  /** The method. */
  readonly method: string;
  /** The full URL. */
  readonly url: string;
}

/**
 * The coded error for a non-2xx answer: the fault's `error_code` (or, for a code this client
 * does not know, the code of the status), its message, and its details plus `status` and
 * `requestId`. An answer without a fault envelope is `KTS_ERR_API_RESPONSE_INVALID`.
 */
export function faultError(status: number, text: string, requestId: string | undefined, place: RequestPlace): FrameworkError {
  const fault = parseFault(text);
  const facts = { status, ...(requestId ? { requestId } : {}) };
  if (!fault) {
    return createFrameworkError('KTS_ERR_API_RESPONSE_INVALID', `${place.method} ${place.url} answered HTTP ${status} without a Karbor fault`, {
      details: { ...facts, method: place.method, url: place.url, body: text.slice(0, 200) },
    });
  }
  const known = isErrorCode(fault.errorCode) ? fault.errorCode : undefined;
  const code = known ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'KTS_ERR_API_RESPONSE_INVALID' : 'KTS_ERR_VALIDATION');
  return createFrameworkError(code, fault.message, {
    details: {
      ...fault.details,
      ...facts,
      ...(known === undefined && fault.errorCode !== undefined ? { errorCode: fault.errorCode } : {}),
    },
  });
}

/** The error for a request that got no answer: cancelled, timed out, or a network failure. */
export function transportError(error: unknown, place: RequestPlace, why: { readonly signal?: AbortSignal | undefined; readonly timedOut: boolean; readonly timeoutMs: number }): FrameworkError {
  if (error instanceof FrameworkError) return error;
  const where = `${place.method} ${place.url}`;
  if (why.signal?.aborted) return new CancelledError(`${where} was cancelled`, { cause: why.signal.reason, details: { method: place.method, url: place.url } });
  if (why.timedOut) {
    return new TimeoutError(`${where} got no answer within ${why.timeoutMs} ms`, { details: { method: place.method, url: place.url, timeoutMs: why.timeoutMs } });
  }
  return createFrameworkError('KTS_ERR_API_UNREACHABLE', `The Karbor API could not be reached (${where}): ${describeCause(error)}`, {
    details: { method: place.method, url: place.url },
    cause: error,
  });
}

/** A 2xx answer whose body is not JSON. */
export function invalidAnswer(status: number, text: string, requestId: string | undefined, place: RequestPlace): FrameworkError {
  return createFrameworkError('KTS_ERR_API_RESPONSE_INVALID', `${place.method} ${place.url} answered HTTP ${status} with a body that is not JSON`, {
    details: { status, ...(requestId ? { requestId } : {}), method: place.method, url: place.url, body: text.slice(0, 200) },
  });
}

interface Fault {
  readonly message: string;
  readonly errorCode?: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** `{"<faultName>": {"code", "message", "error_code", "details"}}`, or `undefined`. */
function parseFault(text: string): Fault | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(body)) return undefined;
  const values = Object.values(body);
  const inner = values.length === 1 ? values[0] : undefined;
  if (!isObject(inner) || typeof inner['message'] !== 'string') return undefined;
  const errorCode = typeof inner['error_code'] === 'string' ? inner['error_code'] : undefined;
  return { message: inner['message'], details: isObject(inner['details']) ? inner['details'] : {}, ...(errorCode ? { errorCode } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The innermost useful message of a fetch failure (`fetch failed` hides `ECONNREFUSED …` in its cause). */
function describeCause(error: unknown): string {
  const messages: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    messages.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
  }
  return messages.length > 0 ? messages.slice(-1)[0]! : String(error);
}
