/**
 * JSON documents over a driver: how they are encoded, and how one is read together with the
 * version it was read at. The driver contract has no "get with version", so a read takes the
 * version from `head`, reads the content and checks its md5 against that head's etag: a match
 * proves the bytes are the content of that version (or of an identical rewrite, which a later
 * compare-and-swap refuses harmlessly); a mismatch means a concurrent write (read again) or,
 * if the version did not move, a corrupt object (`KTS_ERR_BANK_INTEGRITY`).
 *
 * @module
 */
import type { VersionedDocument } from '../core/bank-section.js';
import { BankError, ValidationError, isFrameworkError } from '../core/errors.js';
import type { BankDriver } from './driver.js';
import { md5Hex, readAll } from './internal/body.js';
import { integrityError } from './internal/errors.js';

const READ_ATTEMPTS = 5;

/** Encodes a value as a JSON document (compact UTF-8); refuses what JSON cannot represent. */
export function encodeJson(key: string, value: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(`Value for ${JSON.stringify(key)} cannot be encoded as JSON`, { code: 'KTS_ERR_VALIDATION', details: { key }, cause: error });
  }
  if (text === undefined) {
    throw new ValidationError(`Value for ${JSON.stringify(key)} cannot be encoded as JSON (got ${typeof value})`, { code: 'KTS_ERR_VALIDATION', details: { key } });
  }
  return Buffer.from(text, 'utf8');
}

function decodeJson<T>(key: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (error) {
    throw new BankError(`Object ${JSON.stringify(key)} is not a JSON document`, { code: 'KTS_ERR_BANK_INTEGRITY', details: { key }, cause: error });
  }
}

/** Reads the JSON document at a full driver key with its version; `undefined` when absent. */
export async function readJsonDocument<T>(driver: BankDriver, key: string): Promise<VersionedDocument<T> | undefined> {
  for (let attempt = 1; ; attempt++) {
    const info = await driver.head(key);
    if (info === undefined) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readAll(await driver.get(key));
    } catch (error) {
      // Deleted or replaced between head and get: look again.
      if (isFrameworkError(error, 'KTS_ERR_BANK_OBJECT_NOT_FOUND') && attempt < READ_ATTEMPTS) continue;
      throw error;
    }
    const etag = md5Hex(bytes);
    if (etag === info.etag) return { value: decodeJson<T>(key, bytes), version: info.version };
    const again = await driver.head(key);
    if (again?.version === info.version || attempt >= READ_ATTEMPTS) throw integrityError(key, info.etag, etag);
  }
}
