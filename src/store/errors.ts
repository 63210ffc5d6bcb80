/**
 * Small constructors for the coded errors the store throws, so that both implementations word
 * and shape them the same way.
 *
 * @module
 */
import { ConflictError, InternalError, NotFoundError, ValidationError, isFrameworkError, type FrameworkError } from '../core/errors.js';
import type { StoreLease } from './store.js';

/** `KTS_ERR_VALIDATION` for a bad record, change result or listing query. */
export function invalid(message: string, details: Readonly<Record<string, unknown>> = {}): ValidationError {
  return new ValidationError(message, { details });
}

/** A bad option or parameter value (the core's; `KTS_ERR_VALIDATION` for call arguments). */
export { invalidOption } from '../core/errors.js';

/** `KTS_ERR_CONFLICT`: a record with this id already exists. */
export function duplicateId(collection: string, id: string): ConflictError {
  return new ConflictError(`A record with id ${JSON.stringify(id)} already exists in ${collection}`, {
    details: { collection, id },
  });
}

/** `KTS_ERR_NOT_FOUND`: no record has this id. */
export function recordNotFound(collection: string, id: string): NotFoundError {
  return new NotFoundError(`No record with id ${JSON.stringify(id)} in ${collection}`, { details: { collection, id } });
}

/** `KTS_ERR_STORE_LEASE_HELD`: another owner holds a live lease. */
export function leaseHeld(name: string, holder: StoreLease): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is held by ${JSON.stringify(holder.owner)}`, {
    code: 'KTS_ERR_STORE_LEASE_HELD',
    details: { name, owner: holder.owner, expiresAt: holder.expiresAt },
  });
}

/** `KTS_ERR_STORE_LEASE_LOST`: our lease expired or was taken over. */
export function leaseLost(name: string, owner: string): ConflictError {
  return new ConflictError(`Lease ${JSON.stringify(name)} is no longer held by ${JSON.stringify(owner)}`, {
    code: 'KTS_ERR_STORE_LEASE_LOST',
    details: { name, owner },
  });
}

/** `KTS_ERR_STORE_CLOSED`: a call after `close()`. */
export function storeClosed(): FrameworkError {
  return new ConflictError('The record store is closed', { code: 'KTS_ERR_STORE_CLOSED' });
}

/** `KTS_ERR_STORE_IO` wrapping a back-end failure (framework errors pass through unchanged). */
export function storeIo(operation: string, cause: unknown): FrameworkError {
  if (isFrameworkError(cause)) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  return new InternalError(`Store ${operation} failed: ${message}`, {
    code: 'KTS_ERR_STORE_IO',
    details: typeof code === 'string' ? { operation, backendCode: code } : { operation },
    cause,
  });
}
