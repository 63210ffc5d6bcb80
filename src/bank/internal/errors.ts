/**
 * Small constructors for the coded errors the bank module throws, so that every driver and the
 * facade word and shape them the same way (`details.key` is always the full driver key).
 *
 * @module
 */
import { BankError, CancelledError, ConflictError, NotFoundError, isFrameworkError } from '../../core/errors.js';
import type { FrameworkError } from '../../core/errors.js';

/** `KTS_ERR_BANK_OBJECT_NOT_FOUND` for `key`. */
export function objectNotFound(key: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`No object ${JSON.stringify(key)} in the bank`, {
    code: 'KTS_ERR_BANK_OBJECT_NOT_FOUND',
    details: { key },
    cause,
  });
}

/** `KTS_ERR_BANK_PRECONDITION_FAILED`: a conditional write found another version. */
export function preconditionFailed(key: string, condition: string): ConflictError {
  return new ConflictError(`Conditional write of ${JSON.stringify(key)} refused (${condition})`, {
    code: 'KTS_ERR_BANK_PRECONDITION_FAILED',
    details: { key, condition },
  });
}

/**
 * `KTS_ERR_BANK_INTEGRITY`: content does not match the expected or recorded digest — its md5
 * (the etag) unless `algorithm` names another.
 */
export function integrityError(key: string, expected: string, actual: string, algorithm = 'md5'): BankError {
  return new BankError(`Content of ${JSON.stringify(key)} does not match its checksum (expected ${algorithm} ${expected}, got ${actual})`, {
    code: 'KTS_ERR_BANK_INTEGRITY',
    details: algorithm === 'md5' ? { key, expected, actual } : { key, expected, actual, algorithm },
  });
}

/** `KTS_ERR_BANK_IO` wrapping a back-end failure (framework errors pass through unchanged). */
export function ioError(operation: string, key: string | undefined, cause: unknown): FrameworkError {
  if (isFrameworkError(cause)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new BankError(`Bank ${operation}${key === undefined ? '' : ` of ${JSON.stringify(key)}`} failed: ${message}`, {
    code: 'KTS_ERR_BANK_IO',
    details: key === undefined ? { operation } : { operation, key },
    cause,
  });
}

/** `KTS_ERR_CANCELLED` for an operation stopped by its signal. */
export function cancelled(operation: string, key: string, signal?: AbortSignal): CancelledError {
  return new CancelledError(`Bank ${operation} of ${JSON.stringify(key)} was cancelled`, { cause: signal?.reason });
}

/** `KTS_ERR_INVALID_OPTION` for a bad option value (the core's). */
export { invalidOption } from '../../core/errors.js';
