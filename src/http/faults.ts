/**
 * Errors as the Karbor API answers them: a coded framework error becomes an HTTP status and the
 * OpenStack fault envelope `{"<faultName>": {"code": N, "message": "..."}}` that the real
 * `karbor` client parses. Client mistakes are always 4xx; the client crashes on a 500, so server
 * trouble is answered 503 (or 504 for a timeout), never 500.
 *
 * @module
 */
import { ensureFrameworkError, type ErrorCode, type ErrorKind, type FrameworkError } from '../core/index.js';

const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  limit: 413,
  cancelled: 409,
  timeout: 504,
  plugin: 503,
  bank: 503,
  flow: 503,
  unavailable: 503,
  internal: 503,
};

const STATUS_BY_CODE: Partial<Readonly<Record<ErrorCode, number>>> = {
  KTS_ERR_METHOD_NOT_ALLOWED: 405,
  KTS_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  // A resource type without a plugin, or an operation the plugin lacks, is the caller's mistake.
  KTS_ERR_PLUGIN_NOT_FOUND: 400,
  KTS_ERR_PLUGIN_OPERATION_UNSUPPORTED: 400,
  KTS_ERR_BANK_KEY_INVALID: 400,
};

const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The HTTP status of a framework error: by code where it differs from its kind, else by kind. */
export function statusOf(error: FrameworkError): number {
  return STATUS_BY_CODE[error.code] ?? STATUS_BY_KIND[error.kind];
}

/** Karbor's fault name for a status (`itemNotFound` for 404, `computeFault` for anything unnamed). */
export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

/** The body of a fault response. */
export interface FaultBody {
  [faultName: string]: {
    /** The HTTP status, repeated. */
    readonly code: number;
    /** What went wrong, for people; the client prints it. */
    readonly message: string;
    /** The karbor-ts error code, for programs. */
    readonly error_code: ErrorCode;
    /** Structured facts (schema errors, ids). */
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** The status and envelope for `error`; errors that are not framework errors count as internal. */
export function toFault(error: unknown): { status: number; body: FaultBody; error: FrameworkError } {
  const framework = ensureFrameworkError(error);
  const status = statusOf(framework);
  const internal = framework.kind === 'internal';
  const message = internal ? 'The service failed unexpectedly; the operator can find the request id in its log.' : framework.message;
  const details = internal || Object.keys(framework.details).length === 0 ? undefined : framework.details;
  return {
    status,
    error: framework,
    body: { [faultName(status)]: { code: status, message, error_code: framework.code, ...(details ? { details } : {}) } },
  };
}
