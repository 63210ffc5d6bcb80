/**
 * How the S3 driver turns AWS SDK errors into coded errors: missing key or bucket → not found,
 * 412 → precondition failed, `BadDigest` / `InvalidDigest` → integrity (S3 checked the
 * `Content-MD5` we sent), 401/403 and credential errors → auth, cancellation → cancelled,
 * everything else (5xx, connection errors) → `KTS_ERR_BANK_IO`.
 *
 * @module
 */
import { BankError, CancelledError, isCancellation, isFrameworkError, type FrameworkError } from '../../core/errors.js';
import { integrityError, ioError, objectNotFound, preconditionFailed } from '../internal/errors.js';

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const AUTH = new Set(['AccessDenied', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidToken', 'ExpiredToken', 'InvalidClientTokenId']);

/** The HTTP status of an SDK error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  return (error as SdkError | null)?.$metadata?.httpStatusCode;
}

/** Whether an SDK error means "no such key" or "no such bucket". */
export function isNotFound(error: unknown): boolean {
  const sdk = error as SdkError | null;
  return NOT_FOUND.has(sdk?.name ?? '') || NOT_FOUND.has(sdk?.Code ?? '') || statusOf(error) === 404;
}

/** The coded error for an SDK failure of `operation` on `key`. */
export function s3Error(error: unknown, operation: string, key: string, signal?: AbortSignal): FrameworkError {
  if (isFrameworkError(error)) return error;
  if (signal?.aborted === true || isCancellation(error)) {
    return new CancelledError(`S3 ${operation} of ${JSON.stringify(key)} was cancelled`, { cause: signal?.reason ?? error });
  }
  const sdk = (error ?? {}) as SdkError;
  const name = sdk.name ?? sdk.Code ?? '';
  const status = statusOf(error);
  if (isNotFound(error)) return objectNotFound(key, error);
  if (status === 412 || name === 'PreconditionFailed') return preconditionFailed(key, 'S3 precondition');
  if (name === 'BadDigest' || name === 'InvalidDigest') return Object.assign(integrityError(key, 'the md5 sent as Content-MD5', 'different bytes'), { cause: error });
  if (AUTH.has(name) || status === 401 || status === 403) {
    return new BankError(`S3 refused the credentials for ${operation} of ${JSON.stringify(key)} (${name || `HTTP ${status}`})`, {
      code: 'KTS_ERR_BANK_AUTH',
      details: { operation, key, status, error: name },
      cause: error,
    });
  }
  return ioError(operation, key, error);
}
