import { describe, expect, it } from 'vitest';
import {
  BankError,
  CancelledError,
  ConflictError,
  ERROR_CODES,
  FlowError,
  FrameworkError,
  InternalError,
  NotFoundError,
  PluginError,
  StateTransitionError,
  TimeoutError,
  ValidationError,
  createFrameworkError,
  ensureFrameworkError,
  failureHasCode,
  fromFailureSnapshot,
  isCancellation,
  isErrorCode,
  isFailureSnapshot,
  isFrameworkError,
  parseFailureSnapshot,
  rootCause,
  toFailureSnapshot,
  type ErrorCode,
} from '../../../src/index.js';

describe('coded errors', () => {
  it('each family class carries its generic code and kind by default', () => {
    const cases: [FrameworkError, ErrorCode, string][] = [
      [new ValidationError(), 'KTS_ERR_VALIDATION', 'validation'],
      [new NotFoundError(), 'KTS_ERR_NOT_FOUND', 'not_found'],
      [new ConflictError(), 'KTS_ERR_CONFLICT', 'conflict'],
      [new PluginError(), 'KTS_ERR_PLUGIN_OPERATION_FAILED', 'plugin'],
      [new BankError(), 'KTS_ERR_BANK_IO', 'bank'],
      [new FlowError('x', []), 'KTS_ERR_FLOW_FAILED', 'flow'],
      [new CancelledError(), 'KTS_ERR_CANCELLED', 'cancelled'],
      [new TimeoutError(), 'KTS_ERR_TIMEOUT', 'timeout'],
      [new InternalError(), 'KTS_ERR_INTERNAL', 'internal'],
    ];
    for (const [error, code, kind] of cases) {
      expect(error.code).toBe(code);
      expect(error.kind).toBe(kind);
      expect(error.retryable).toBe(ERROR_CODES[code].retryable);
      expect(error).toBeInstanceOf(Error);
      expect(isFrameworkError(error, code)).toBe(true);
    }
  });

  it('uses the registry message when none is given, and keeps details and cause', () => {
    const cause = new Error('disk full');
    const error = new BankError(undefined, { code: 'KTS_ERR_BANK_READONLY', details: { key: 'a' }, cause });
    expect(error.message).toBe(ERROR_CODES.KTS_ERR_BANK_READONLY.message);
    expect(error.details).toEqual({ key: 'a' });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('BankError');
  });

  it('a state transition error names the machine and both statuses', () => {
    const error = new StateTransitionError('checkpoint', 'deleted', 'available');
    expect(error.code).toBe('KTS_ERR_STATE_TRANSITION');
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.details).toEqual({ machine: 'checkpoint', from: 'deleted', to: 'available' });
    expect(error.message).toContain('deleted → available');
  });

  it('recognises framework errors by brand, not by prototype', () => {
    const foreign = Object.assign(Object.create(null), { code: 'KTS_ERR_VALIDATION' });
    expect(isFrameworkError(foreign)).toBe(false);
    const branded = new ValidationError('x');
    const copy = Object.assign(Object.create(Object.getPrototypeOf(branded)), branded);
    expect(isFrameworkError(branded, 'KTS_ERR_VALIDATION')).toBe(true);
    expect(isFrameworkError(branded, 'KTS_ERR_NOT_FOUND')).toBe(false);
    expect(isFrameworkError(copy)).toBe(false);
    expect(isErrorCode('KTS_ERR_TIMEOUT')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('createFrameworkError picks the class of the code kind', () => {
    expect(createFrameworkError('KTS_ERR_BANK_OBJECT_NOT_FOUND')).toBeInstanceOf(NotFoundError);
    expect(createFrameworkError('KTS_ERR_BANK_LEASE_HELD')).toBeInstanceOf(ConflictError);
    expect(createFrameworkError('KTS_ERR_PLUGIN_INVALID')).toBeInstanceOf(PluginError);
    expect(createFrameworkError('KTS_ERR_FLOW_REVERT_FAILED')).toBeInstanceOf(FlowError);
    expect(createFrameworkError('KTS_ERR_TIMEOUT')).toBeInstanceOf(TimeoutError);
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(createFrameworkError(code).code).toBe(code);
  });

  it('ensureFrameworkError wraps foreign errors and AbortErrors', () => {
    const plain = new Error('boom');
    const wrapped = ensureFrameworkError(plain);
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.cause).toBe(plain);
    expect(wrapped.message).toBe('boom');
    const abort = new DOMException('stop', 'AbortError');
    expect(isCancellation(abort)).toBe(true);
    expect(ensureFrameworkError(abort).code).toBe('KTS_ERR_CANCELLED');
    const own = new NotFoundError('x');
    expect(ensureFrameworkError(own)).toBe(own);
    expect(ensureFrameworkError('text').message).toBe('text');
  });

  it('rootCause follows the cause chain and survives loops', () => {
    const inner = new Error('inner');
    const outer = new InternalError('outer', { cause: new Error('middle', { cause: inner }) });
    expect(rootCause(outer)).toBe(inner);
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect(rootCause(loop)).toBe(loop);
  });
});

describe('failure snapshots', () => {
  it('round-trip through JSON keeping code, details and the cause chain', () => {
    const error = new PluginError('verify failed', {
      code: 'KTS_ERR_PLUGIN_OPERATION_FAILED',
      details: { resource: 'OS::Glance::Image#1' },
      cause: new BankError('etag mismatch', { code: 'KTS_ERR_BANK_INTEGRITY', cause: new Error('chunk 3') }),
    });
    const stored: unknown = JSON.parse(JSON.stringify(toFailureSnapshot(error)));
    const snapshot = parseFailureSnapshot(stored);
    expect(snapshot.code).toBe('KTS_ERR_PLUGIN_OPERATION_FAILED');
    expect(snapshot.details).toEqual({ resource: 'OS::Glance::Image#1' });
    expect(snapshot.causes).toEqual([
      { code: 'KTS_ERR_BANK_INTEGRITY', name: 'BankError', message: 'etag mismatch' },
      { name: 'Error', message: 'chunk 3' },
    ]);
    expect(failureHasCode(snapshot, 'KTS_ERR_BANK_INTEGRITY')).toBe(true);
    expect(failureHasCode(snapshot, 'KTS_ERR_TIMEOUT')).toBe(false);
    const revived = fromFailureSnapshot(snapshot);
    expect(revived).toBeInstanceOf(PluginError);
    expect(revived.message).toBe('verify failed');
  });

  it('snapshots a foreign error as internal with the original as first cause', () => {
    const snapshot = toFailureSnapshot(new TypeError('bad'), { stack: false });
    expect(snapshot.code).toBe('KTS_ERR_INTERNAL');
    expect(snapshot.causes[0]).toEqual({ name: 'TypeError', message: 'bad' });
    expect(snapshot.stack).toBeUndefined();
  });

  it('drops details that are not JSON-safe instead of failing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const snapshot = toFailureSnapshot(new ValidationError('x', { details: { circular } }));
    expect(Object.keys(snapshot.details)).toEqual(['unserialisable']);
  });

  it('refuses malformed snapshots with a coded error', () => {
    expect(isFailureSnapshot({ code: 'NOPE', name: 'x', message: 'y', retryable: false, details: {}, causes: [] })).toBe(false);
    expect(() => parseFailureSnapshot({ code: 'KTS_ERR_INTERNAL' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_FAILURE_SNAPSHOT_INVALID' }));
  });
});
