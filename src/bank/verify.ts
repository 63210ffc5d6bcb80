/**
 * Integrity check of one stored object: stream its content, md5 it, and compare with the etag
 * and size the bank recorded at write time. Catches bit rot, truncation and tampering that a
 * plain read would pass along silently.
 *
 * @module
 */
import type { BankSection, ObjectInfo } from '../core/bank-section.js';
import { BankError, ConflictError } from '../core/errors.js';
import { md5OfStream } from './internal/body.js';
import { ioError, objectNotFound } from './internal/errors.js';

const ATTEMPTS = 3;

/** Options of {@link verifyObject}. */
export interface VerifyObjectOptions {
  /** Cancels the read. */
  readonly signal?: AbortSignal;
}

/**
 * Streams the object at `key` of `section` and checks that its md5 and size match what
 * `head()` reports. Returns the verified {@link ObjectInfo}; throws `KTS_ERR_BANK_INTEGRITY`
 * on a mismatch, `KTS_ERR_BANK_OBJECT_NOT_FOUND` when absent, and `KTS_ERR_CONFLICT` if the
 * object kept being rewritten while it was read.
 */
export async function verifyObject(section: BankSection, key: string, options: VerifyObjectOptions = {}): Promise<ObjectInfo> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const before = await section.head(key);
    if (before === undefined) throw objectNotFound(key);
    let actual: { etag: string; size: number };
    try {
      actual = await md5OfStream(await section.getObject(key, options.signal === undefined ? {} : { signal: options.signal }));
    } catch (error) {
      throw ioError('verify', key, error);
    }
    if (actual.etag === before.etag && actual.size === before.size) return before;
    const after = await section.head(key);
    if (after?.version !== before.version) continue;
    throw new BankError(
      `Object ${JSON.stringify(key)} is corrupt: read ${actual.size} bytes with md5 ${actual.etag}, expected ${before.size} bytes with md5 ${before.etag}`,
      {
        code: 'KTS_ERR_BANK_INTEGRITY',
        details: { key, expectedEtag: before.etag, actualEtag: actual.etag, expectedSize: before.size, actualSize: actual.size },
      },
    );
  }
  throw new ConflictError(`Object ${JSON.stringify(key)} kept changing while it was verified`, {
    code: 'KTS_ERR_CONFLICT',
    details: { key, attempts: ATTEMPTS },
  });
}
