/**
 * Whole-content md5 records for S3 multipart objects whose md5 was not known when the upload
 * began. S3 fixes an object's metadata when a multipart upload is created, and a multipart ETag
 * is not an md5; the only S3 way to add metadata afterwards is to copy the object onto itself,
 * which on Swift's s3api is a full server-side copy that also orphans the original segments
 * (measured: 7.2 s for 512 MiB, and the segments stay behind for good). So the driver records
 * the md5 in a small JSON object beside it instead, under the bank's reserved `.kts/` area
 * (`.kts/md5/<sha256 of the key>`), which the driver's listing hides.
 *
 * A record carries the object's version token; `head` trusts it only while the object still
 * has that version, so a record left behind by an overwrite is ignored (and removed with the
 * key).
 *
 * @module
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { isNotFound, s3Error } from './s3-errors.js';

/** The key prefix of md5 records (hidden from listings). */
export const MD5_RECORD_PREFIX = '.kts/md5/';

interface Md5Record {
  readonly key: string;
  readonly version: string;
  readonly md5: string;
}

/** The record key of object `key`. */
export function md5RecordKey(key: string): string {
  return `${MD5_RECORD_PREFIX}${createHash('sha256').update(key).digest('hex')}`;
}

/** Writes the md5 record of `key` at `version`. */
export async function writeMd5Record(client: S3Client, bucket: string, key: string, version: string, md5: string): Promise<void> {
  const record: Md5Record = { key, version, md5 };
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: md5RecordKey(key), Body: JSON.stringify(record), ContentType: 'application/json' }));
  } catch (error) {
    throw s3Error(error, 'put (md5 record)', key);
  }
}

/** The recorded md5 of `key` at `version`, or `undefined` when there is no matching record. */
export async function readMd5Record(client: S3Client, bucket: string, key: string, version: string): Promise<string | undefined> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: md5RecordKey(key) }));
    const record = JSON.parse((await response.Body?.transformToString()) ?? 'null') as Partial<Md5Record> | null;
    return record?.key === key && record.version === version && typeof record.md5 === 'string' ? record.md5 : undefined;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return undefined;
    throw s3Error(error, 'head (md5 record)', key);
  }
}

/** Deletes the md5 record of `key` (absent records are fine). */
export async function deleteMd5Record(client: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: md5RecordKey(key) }));
  } catch (error) {
    if (!isNotFound(error)) throw s3Error(error, 'delete (md5 record)', key);
  }
}
