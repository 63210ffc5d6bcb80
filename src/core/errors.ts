/**
 * The error classes of karbor-ts. Each error carries a stable `code` from the registry in
 * `error-codes.ts`; match on `code` (or use {@link isFrameworkError}), because class identity
 * does not survive two copies of the library or a trip through storage.
 *
 * @module
 */
import { ERROR_CODES, ErrorKind, type ErrorCode, type ErrorCodeOf } from './error-codes.js';

const BRAND = Symbol.for('karbor-ts:FrameworkError');

/** Options every framework error accepts. */
export interface FrameworkErrorOptions {
  /** Structured, JSON-safe facts about the error (ids, schema errors, …). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The error that led to this one. */
  readonly cause?: unknown;
}

/** Options of the family classes: the code defaults to the family's generic code. */
export interface KindErrorOptions<K extends ErrorKind> extends FrameworkErrorOptions {
  /** A code of this family; defaults to the family's generic code. */
  readonly code?: ErrorCodeOf<K>;
}

/** The base of every error the framework throws. */
export class FrameworkError extends Error {
  /** The registry code; stable across versions. */
  readonly code: ErrorCode;
  /** The family of the code. */
  readonly kind: ErrorKind;
  /** Whether repeating the operation may succeed. */
  readonly retryable: boolean;
  /** Structured, JSON-safe facts about the error. */
  readonly details: Readonly<Record<string, unknown>>;

  /** Creates an error with `code` and a message (the code's default message when omitted). */
  constructor(code: ErrorCode, message?: string, options: FrameworkErrorOptions = {}) {
    const spec = ERROR_CODES[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = spec.kind;
    this.retryable = spec.retryable;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A plain object for logs and JSON responses (no stack). */
  toJSON(): { code: ErrorCode; name: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, name: this.name, message: this.message, details: this.details };
  }
}

/** Input broke a schema, a grammar or a documented rule. */
export class ValidationError extends FrameworkError {
  /** Creates a validation error (default code `KTS_ERR_VALIDATION`). */
  constructor(message?: string, options: KindErrorOptions<'validation'> = {}) {
    super(options.code ?? 'KTS_ERR_VALIDATION', message, options);
  }
}

/** Something named by id does not exist or is not visible to the caller. */
export class NotFoundError extends FrameworkError {
  /** Creates a not-found error (default code `KTS_ERR_NOT_FOUND`). */
  constructor(message?: string, options: KindErrorOptions<'not_found'> = {}) {
    super(options.code ?? 'KTS_ERR_NOT_FOUND', message, options);
  }
}

/** The request conflicts with the current state (a held lease, a concurrent change). */
export class ConflictError extends FrameworkError {
  /** Creates a conflict error (default code `KTS_ERR_CONFLICT`). */
  constructor(message?: string, options: KindErrorOptions<'conflict'> = {}) {
    super(options.code ?? 'KTS_ERR_CONFLICT', message, options);
  }
}

/** A status machine refused a transition; `details` has `machine`, `from` and `to`. */
export class StateTransitionError extends ConflictError {
  /** Creates the error for a refused `from → to` transition of `machine`. */
  constructor(machine: string, from: string, to: string) {
    super(`Illegal ${machine} status transition: ${from} → ${to}`, {
      code: 'KTS_ERR_STATE_TRANSITION',
      details: { machine, from, to },
    });
  }
}

/** A plugin was refused at registration, or one of its operations failed. */
export class PluginError extends FrameworkError {
  /** Creates a plugin error (default code `KTS_ERR_PLUGIN_OPERATION_FAILED`). */
  constructor(message?: string, options: KindErrorOptions<'plugin'> = {}) {
    super(options.code ?? 'KTS_ERR_PLUGIN_OPERATION_FAILED', message, options);
  }
}

/** A bank refused or failed an operation. */
export class BankError extends FrameworkError {
  /** Creates a bank error (default code `KTS_ERR_BANK_IO`). */
  constructor(message?: string, options: KindErrorOptions<'bank'> = {}) {
    super(options.code ?? 'KTS_ERR_BANK_IO', message, options);
  }
}

/** A flow did not finish: several tasks failed, or reverting failed. */
export class FlowError extends FrameworkError {
  /** The task errors this flow error gathers (several failures, or failed reverts). */
  readonly errors: readonly unknown[];

  /** Creates a flow error gathering `errors`. */
  constructor(
    message: string,
    errors: readonly unknown[],
    options: KindErrorOptions<'flow'> = {},
  ) {
    super(options.code ?? 'KTS_ERR_FLOW_FAILED', message, options);
    this.errors = errors;
  }
}

/** The work was cancelled on request. Cancelled is not failed. */
export class CancelledError extends FrameworkError {
  /** Creates a cancellation error. */
  constructor(message = 'Cancelled', options: FrameworkErrorOptions = {}) {
    super('KTS_ERR_CANCELLED', message, options);
  }
}

/** The work ran past its deadline; `details.timeoutMs` says which. */
export class TimeoutError extends FrameworkError {
  /** Creates a timeout error. */
  constructor(message = 'Timed out', options: FrameworkErrorOptions = {}) {
    super('KTS_ERR_TIMEOUT', message, options);
  }
}

/** The caller is not authenticated: no token, or one that is invalid or expired. */
export class AuthenticationError extends FrameworkError {
  /** Creates an authentication error (default code `KTS_ERR_UNAUTHORIZED`). */
  constructor(message?: string, options: KindErrorOptions<'unauthorized'> = {}) {
    super(options.code ?? 'KTS_ERR_UNAUTHORIZED', message, options);
  }
}

/** The caller is authenticated, but the policy does not allow the action. */
export class ForbiddenError extends FrameworkError {
  /** Creates a forbidden error (default code `KTS_ERR_FORBIDDEN`). */
  constructor(message?: string, options: KindErrorOptions<'forbidden'> = {}) {
    super(options.code ?? 'KTS_ERR_FORBIDDEN', message, options);
  }
}

/** A size or quota limit would be exceeded; `details` says which limit. */
export class LimitError extends FrameworkError {
  /** Creates a limit error (default code `KTS_ERR_QUOTA_EXCEEDED`). */
  constructor(message?: string, options: KindErrorOptions<'limit'> = {}) {
    super(options.code ?? 'KTS_ERR_QUOTA_EXCEEDED', message, options);
  }
}

/** The service cannot take the work now: it is disabled, or a back-end it needs is down. */
export class UnavailableError extends FrameworkError {
  /** Creates an unavailable error (default code `KTS_ERR_SERVICE_DISABLED`). */
  constructor(message?: string, options: KindErrorOptions<'unavailable'> = {}) {
    super(options.code ?? 'KTS_ERR_SERVICE_DISABLED', message, options);
  }
}

/** A defect, or an error from outside the framework that reached it unclassified. */
export class InternalError extends FrameworkError {
  /** Creates an internal error (default code `KTS_ERR_INTERNAL`). */
  constructor(message?: string, options: KindErrorOptions<'internal'> = {}) {
    super(options.code ?? 'KTS_ERR_INTERNAL', message, options);
  }
}

/**
 * Whether `error` is a framework error, optionally with a given `code`. Works across copies
 * of the library (it checks a `Symbol.for` brand, not the prototype chain).
 */
export function isFrameworkError(error: unknown, code?: ErrorCode): error is FrameworkError {
  if (typeof error !== 'object' || error === null || !(BRAND in error)) return false;
  return code === undefined || (error as unknown as FrameworkError).code === code;
}

/** Whether `error` means the work was cancelled: a framework cancellation or a DOM `AbortError`. */
export function isCancellation(error: unknown): boolean {
  if (isFrameworkError(error)) return error.code === 'KTS_ERR_CANCELLED';
  return error instanceof Error && error.name === 'AbortError';
}

/** Makes a framework error of the right class for any registry `code`. */
export function createFrameworkError(
  code: ErrorCode,
  message?: string,
  options: FrameworkErrorOptions = {},
): FrameworkError {
  switch (ERROR_CODES[code].kind) {
    case ErrorKind.VALIDATION:
      return new ValidationError(message, { ...options, code: code as ErrorCodeOf<'validation'> });
    case ErrorKind.NOT_FOUND:
      return new NotFoundError(message, { ...options, code: code as ErrorCodeOf<'not_found'> });
    case ErrorKind.CONFLICT:
      return new ConflictError(message, { ...options, code: code as ErrorCodeOf<'conflict'> });
    case ErrorKind.PLUGIN:
      return new PluginError(message, { ...options, code: code as ErrorCodeOf<'plugin'> });
    case ErrorKind.BANK:
      return new BankError(message, { ...options, code: code as ErrorCodeOf<'bank'> });
    case ErrorKind.FLOW:
      return new FlowError(message ?? ERROR_CODES[code].message, [], { ...options, code: code as ErrorCodeOf<'flow'> });
    case ErrorKind.CANCELLED:
      return new CancelledError(message, options);
    case ErrorKind.TIMEOUT:
      return new TimeoutError(message, options);
    case ErrorKind.UNAUTHORIZED:
      return new AuthenticationError(message, { ...options, code: code as ErrorCodeOf<'unauthorized'> });
    case ErrorKind.FORBIDDEN:
      return new ForbiddenError(message, { ...options, code: code as ErrorCodeOf<'forbidden'> });
    case ErrorKind.LIMIT:
      return new LimitError(message, { ...options, code: code as ErrorCodeOf<'limit'> });
    case ErrorKind.UNAVAILABLE:
      return new UnavailableError(message, { ...options, code: code as ErrorCodeOf<'unavailable'> });
    default:
      return new InternalError(message, { ...options, code: code as ErrorCodeOf<'internal'> });
  }
}

/**
 * Returns `error` if it is a framework error; otherwise wraps it: an `AbortError` becomes a
 * {@link CancelledError}, anything else an {@link InternalError} whose `cause` is the original.
 */
export function ensureFrameworkError(error: unknown): FrameworkError {
  if (isFrameworkError(error)) return error;
  if (isCancellation(error)) return new CancelledError(messageOf(error), { cause: error });
  return new InternalError(messageOf(error), { cause: error });
}

/** The innermost `cause` of an error chain (the error itself when it has none). */
export function rootCause(error: unknown): unknown {
  let current = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause !== undefined && !seen.has(current)) {
    seen.add(current);
    current = current.cause;
  }
  return current;
}

/** A human-readable message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * A bad option or parameter value, p-queue style — ``Expected `name` to be <expected>, got
 * `<value>` (<type>)`` — with `details.option` and `details.expected`. The code is
 * `KTS_ERR_INVALID_OPTION` (factory options) unless another validation code is given
 * (`KTS_ERR_VALIDATION` for call arguments).
 */
export function invalidOption(name: string, expected: string, value: unknown, code: ErrorCodeOf<'validation'> = 'KTS_ERR_INVALID_OPTION'): ValidationError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new ValidationError(`Expected \`${name}\` to be ${expected}, got \`${shown}\` (${typeof value})`, {
    code,
    details: { option: name, expected },
  });
}
