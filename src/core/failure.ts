/**
 * Failure snapshots: the serialisable form of an error, for anything persisted (checkpoints,
 * records, operation logs). Never store a live `Error`; after a round trip, match on `code`.
 *
 * @module
 */
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.js';
import { createFrameworkError, ensureFrameworkError, type FrameworkError } from './errors.js';
import { SchemaValidator, type JsonSchema } from './schema.js';

/** One link of an error's cause chain. */
export interface FailureCause {
  /** The registry code, when the cause was a framework error. */
  readonly code?: ErrorCode;
  /** The error's class name. */
  readonly name: string;
  /** Its message. */
  readonly message: string;
}

/** The serialisable snapshot of an error. */
export interface FailureSnapshot {
  /** The registry code (non-framework errors are snapshotted as `KTS_ERR_INTERNAL`). */
  readonly code: ErrorCode;
  /** The error's class name. */
  readonly name: string;
  /** Its message. */
  readonly message: string;
  /** Whether repeating the operation may succeed. */
  readonly retryable: boolean;
  /** JSON-safe details. */
  readonly details: Readonly<Record<string, unknown>>;
  /** The stack at the time of the snapshot, if any. */
  readonly stack?: string;
  /** The cause chain, outermost first (excluding the error itself). */
  readonly causes: readonly FailureCause[];
}

/** The JSON schema of a {@link FailureSnapshot}. */
export const FAILURE_SNAPSHOT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['code', 'name', 'message', 'retryable', 'details', 'causes'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    name: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    details: { type: 'object' },
    stack: { type: 'string' },
    causes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'message'],
        properties: { code: { type: 'string' }, name: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const validator = new SchemaValidator();
const validateSnapshot = validator.compile<FailureSnapshot>(FAILURE_SNAPSHOT_SCHEMA, { code: 'KTS_ERR_FAILURE_SNAPSHOT_INVALID' });

/** Snapshots any thrown value (wrapping non-framework errors as `KTS_ERR_INTERNAL`). */
export function toFailureSnapshot(error: unknown, options: { stack?: boolean } = {}): FailureSnapshot {
  const framework = ensureFrameworkError(error);
  const causes: FailureCause[] = [];
  const seen = new Set<unknown>([framework]);
  // A wrapped foreign error is the wrapper's cause; start the chain at the original.
  let cause: unknown = framework === error ? framework.cause : error;
  while (cause !== undefined && !seen.has(cause) && causes.length < 16) {
    seen.add(cause);
    causes.push(causeOf(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return {
    code: framework.code,
    name: framework.name,
    message: framework.message,
    retryable: framework.retryable,
    details: jsonSafe(framework.details),
    ...(options.stack !== false && framework.stack ? { stack: framework.stack } : {}),
    causes,
  };
}

/** Validates a stored snapshot; throws `KTS_ERR_FAILURE_SNAPSHOT_INVALID` when malformed. */
export function parseFailureSnapshot(value: unknown): FailureSnapshot {
  return validateSnapshot(value, 'failure snapshot');
}

/** Whether `value` is a well-formed failure snapshot. */
export function isFailureSnapshot(value: unknown): value is FailureSnapshot {
  try {
    parseFailureSnapshot(value);
    return true;
  } catch {
    return false;
  }
}

/** Turns a snapshot back into a framework error of the right class (without the original stack). */
export function fromFailureSnapshot(snapshot: FailureSnapshot): FrameworkError {
  return createFrameworkError(snapshot.code, snapshot.message, { details: snapshot.details });
}

/** Whether a snapshot, or any of its causes, carries `code`. */
export function failureHasCode(snapshot: FailureSnapshot, code: ErrorCode): boolean {
  return snapshot.code === code || snapshot.causes.some((cause) => cause.code === code);
}

function causeOf(error: unknown): FailureCause {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(isErrorCode(code) ? { code } : {}), name: error.name, message: error.message };
  }
  return { name: typeof error, message: String(error) };
}

function jsonSafe(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    const copy: unknown = JSON.parse(JSON.stringify(details));
    return typeof copy === 'object' && copy !== null ? (copy as Record<string, unknown>) : {};
  } catch (error) {
    return { unserialisable: String(error) };
  }
}
