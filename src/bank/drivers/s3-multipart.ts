/**
 * Multipart uploads for the S3 driver through `@aws-sdk/lib-storage`'s `Upload`: the rest of a
 * body streams in parts (at most `partSize × queueSize` bytes in memory) while its md5 is
 * computed. When the caller gave the expected md5, it goes into the object's metadata upfront
 * and a mismatch fails the body at its very end, so `Upload` aborts the multipart upload
 * instead of completing it (the previous object stays). Otherwise the md5 is recorded beside
 * the object once it is complete (see `s3-md5.ts`).
 *
 * @module
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { integrityError } from '../internal/errors.js';
import { writeMd5Record } from './s3-md5.js';
import type { ChunkReader } from './swift-s3-body.js';
import { META_MD5 } from './swift-s3-meta.js';

/** Where and how to upload. */
export interface MultipartTarget {
  /** The S3 client. */
  readonly client: S3Client;
  /** The bucket. */
  readonly bucket: string;
  /** The object key. */
  readonly key: string;
  /** The object's metadata (user and internal entries, encoded). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The version token written with the object. */
  readonly version: string;
  /** The expected md5, when the caller knows it. */
  readonly expectedEtag?: string | undefined;
  /** Bytes per part. */
  readonly partSize: number;
  /** Parts in flight at once. */
  readonly queueSize: number;
  /** Cancels the upload (the multipart upload is aborted). */
  readonly signal?: AbortSignal | undefined;
}

/** Streams what `reader` holds as one multipart object; answers its md5 and size. */
export async function uploadMultipart(reader: ChunkReader, target: MultipartTarget): Promise<{ etag: string; size: number }> {
  const { client, bucket, key, expectedEtag, signal } = target;
  const hash = createHash('md5');
  let size = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of reader.take(Number.MAX_SAFE_INTEGER)) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
    // failing here, before the stream ends, makes Upload abort instead of completing
    const etag = hash.copy().digest('hex');
    if (expectedEtag !== undefined && expectedEtag !== etag) throw integrityError(key, expectedEtag, etag);
  }
  const metadata = expectedEtag === undefined ? target.metadata : { ...target.metadata, [META_MD5]: expectedEtag };
  const params = { Bucket: bucket, Key: key, Body: Readable.from(hashed(), { objectMode: false }), ContentType: 'application/octet-stream', Metadata: metadata };
  const upload = new Upload({ client, params, partSize: target.partSize, queueSize: target.queueSize, leavePartsOnError: false });
  const onAbort = (): void => void upload.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const etag = hash.digest('hex');
  if (expectedEtag === undefined) await writeMd5Record(client, bucket, key, target.version, etag);
  return { etag, size };
}
