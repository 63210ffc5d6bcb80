/**
 * The S3 bank driver, over `@aws-sdk/client-s3` (path-style addressing by default; tested
 * against the s3api layer of the local Swift).
 *
 * - **Bucket** created on first write (an existing bucket of ours is fine).
 * - **Integrity**: bodies up to `multipartThreshold` are read ahead and sent with `Content-MD5`,
 *   so S3 refuses corrupted bytes (`BadDigest` → `KTS_ERR_BANK_INTEGRITY`); an expected `etag`
 *   that differs fails before anything is sent.
 * - **Large objects** stream through `@aws-sdk/lib-storage`'s `Upload` (multipart; memory is
 *   bounded by `partSize × queueSize`), md5-hashed on the way (`s3-multipart.ts`). A multipart
 *   ETag is not an md5, so `etag` reports the whole content's md5: from the object's metadata
 *   when the caller gave the expected etag (then a mismatch aborts the upload and the previous
 *   object stays), otherwise from a small md5 record the driver writes beside the object once it
 *   is complete (`s3-md5.ts`: S3 cannot add metadata later without copying the whole object).
 *   Until that record lands, `head` reports the multipart ETag.
 * - **Versions** are a random token stored as `x-amz-meta-kts-version`.
 * - **Conditional puts**: Swift's s3api answers 501 to any conditional PUT (`If-None-Match`,
 *   `If-Match`), so the driver checks the conditions against a HEAD under a per-key lock:
 *   atomic for a single writer (`singleWriter`, the default, which declares `conditionalPut`),
 *   best-effort otherwise (and then not declared). No native leases: the bank facade keeps
 *   them as documents over conditional put.
 * - **Listing**: see `s3-list.ts` (descending order costs a scan of the prefix up to the marker).
 *
 * @module
 */
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { GetObjectOptions, ListOptions, ListPage, ObjectBody, ObjectInfo, PutObjectOptions } from '../../core/bank-section.js';
import type { BankDriver } from '../driver.js';
import { discardBody } from '../internal/body.js';
import { checkConditions } from '../internal/conditions.js';
import { cancelled, integrityError, invalidOption } from '../internal/errors.js';
import { KeyedMutex } from '../../core/keyed-mutex.js';
import { isConditional } from '../options.js';
import { NOT_FOUND_CONFIRMATIONS } from './read-race.js';
import { isNotFound, s3Error, statusOf } from './s3-errors.js';
import { S3_LIST_PAGE, listS3Page } from './s3-list.js';
import { deleteMd5Record, readMd5Record } from './s3-md5.js';
import { uploadMultipart } from './s3-multipart.js';
import { joinChunks, md5OfChunks, readAhead, type ChunkReader } from './swift-s3-body.js';
import { META_MD5, META_VERSION, checkUserMetadata, encodeMetaValue, newVersionToken, splitMetadata } from './swift-s3-meta.js';

/** Options of {@link createS3Driver}. */
export interface S3DriverOptions {
  /** The bucket that holds the bank's objects. */
  readonly bucket: string;
  /** A configured client; when given, `endpoint`, `region`, `credentials` and `forcePathStyle` are ignored. */
  readonly client?: S3Client;
  /** The endpoint URL, e.g. `http://127.0.0.1:8080` (AWS when absent). */
  readonly endpoint?: string;
  /** The region. @default 'us-east-1' */
  readonly region?: string;
  /** Static credentials (the SDK's default chain when absent). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Path-style addressing (`endpoint/bucket/key`). @default true */
  readonly forcePathStyle?: boolean;
  /** Create the bucket on first write. @default true */
  readonly createBucket?: boolean;
  /** Bodies larger than this go multipart; up to it they are held in memory. @default 8 MiB */
  readonly multipartThreshold?: number;
  /** Multipart part size (at least 5 MiB); `partSize × queueSize` bytes are in memory at once. @default 8 MiB */
  readonly partSize?: number;
  /** Parts uploaded at once. @default 2 */
  readonly queueSize?: number;
  /** Keys asked for per `ListObjectsV2` request (S3 answers at most 1000). @default 1000 */
  readonly listPageSize?: number;
  /**
   * This driver instance is the only writer of the bucket: conditional puts are then atomic
   * (per-key locks in this process) and declared. Set `false` when several processes write
   * the bucket (conditions are then best-effort and not declared).
   * @default true
   */
  readonly singleWriter?: boolean;
}

const MiB = 1024 * 1024;
const OCTETS = 'application/octet-stream';

function sizeOption(name: string, value: number | undefined, fallback: number, min: number): number {
  const size = value ?? fallback;
  if (!Number.isSafeInteger(size) || size < min) throw invalidOption(name, `an integer ≥ ${min}`, size);
  return size;
}

/** Creates a bank driver over an S3 bucket. */
export function createS3Driver(options: S3DriverOptions): BankDriver {
  const { bucket } = options;
  if (typeof bucket !== 'string' || bucket === '' || bucket.includes('/')) throw invalidOption('bucket', 'a bucket name', bucket);
  const threshold = sizeOption('multipartThreshold', options.multipartThreshold, 8 * MiB, 1);
  const partSize = sizeOption('partSize', options.partSize, 8 * MiB, 5 * MiB);
  const queueSize = sizeOption('queueSize', options.queueSize, 2, 1);
  const listPageSize = Math.min(sizeOption('listPageSize', options.listPageSize, S3_LIST_PAGE, 1), S3_LIST_PAGE);
  const singleWriter = options.singleWriter ?? true;
  const client =
    options.client ??
    new S3Client({
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? true,
      // Content-MD5 is what S3 checks here; no extra CRC trailers (Swift's s3api predates them)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  const ownsClient = options.client === undefined;
  const mutex = new KeyedMutex();

  let bucketReady: Promise<void> | undefined;
  function ensureBucket(): Promise<void> {
    if (options.createBucket === false) return Promise.resolve();
    bucketReady ??= (async () => {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists' && statusOf(error) !== 409) throw s3Error(error, 'create bucket', bucket);
      }
    })().catch((error: unknown) => {
      bucketReady = undefined;
      throw error;
    });
    return bucketReady;
  }

  const userMetadata = (metadata: Readonly<Record<string, string>> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, encodeMetaValue(value)]));

  /**
   * Sends a HEAD or GET, asking again on 404 ({@link NOT_FOUND_CONFIRMATIONS} times): an S3
   * layer over Swift (s3api) inherits Swift's 404 for reads that race an overwrite.
   */
  async function sendRead<T>(command: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await command();
      } catch (error) {
        if (!isNotFound(error) || attempt >= NOT_FOUND_CONFIRMATIONS) throw error;
      }
    }
  }

  async function headInfo(key: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    try {
      const head = await sendRead(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), signal === undefined ? {} : { abortSignal: signal }));
      const { user, internal } = splitMetadata(Object.entries(head.Metadata ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const));
      const etag = (head.ETag ?? '').replace(/"/gu, '');
      const version = internal[META_VERSION] ?? etag;
      const multipart = internal[META_MD5] === undefined && /-\d+$/u.test(etag) && internal[META_VERSION] !== undefined;
      const recorded = multipart ? await readMd5Record(client, bucket, key, version) : undefined;
      return {
        key,
        size: head.ContentLength ?? 0,
        etag: internal[META_MD5] ?? recorded ?? etag,
        version,
        metadata: Object.freeze(user),
        ...(head.LastModified === undefined ? {} : { lastModified: head.LastModified }),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3Error(error, 'head', key, signal);
    }
  }

  async function put(key: string, body: ObjectBody, putOptions: PutObjectOptions = {}): Promise<ObjectInfo> {
    const { signal } = putOptions;
    try {
      checkUserMetadata(putOptions.metadata);
      if (signal?.aborted === true) throw cancelled('put', key, signal);
    } catch (error) {
      discardBody(body);
      throw error;
    }
    return mutex.run(key, async () => {
      let reader: ChunkReader | undefined;
      let started = false;
      try {
        await ensureBucket();
        if (isConditional(putOptions)) checkConditions(key, await headInfo(key, signal), putOptions);
        started = true;
        const ahead = await readAhead(body, threshold);
        if (signal?.aborted === true) throw cancelled('put', key, signal);
        const version = newVersionToken();
        const metadata = { ...userMetadata(putOptions.metadata), [META_VERSION]: version };
        let result: { etag: string; size: number };
        if (ahead.whole) {
          const digest = md5OfChunks(ahead.chunks);
          const etag = digest.toString('hex');
          if (putOptions.etag !== undefined && putOptions.etag !== etag) throw integrityError(key, putOptions.etag, etag);
          const Body = joinChunks(ahead.chunks, ahead.size);
          const command = new PutObjectCommand({ Bucket: bucket, Key: key, Body, ContentMD5: digest.toString('base64'), ContentType: OCTETS, Metadata: metadata });
          await client.send(command, signal === undefined ? {} : { abortSignal: signal });
          result = { etag, size: ahead.size };
        } else {
          reader = ahead.reader;
          const target = { client, bucket, key, metadata, version, expectedEtag: putOptions.etag, partSize, queueSize, signal };
          result = await uploadMultipart(reader, target);
        }
        return { key, ...result, version, metadata: Object.freeze({ ...putOptions.metadata }), lastModified: new Date() };
      } catch (error) {
        if (!started) discardBody(body);
        await reader?.close().catch(() => undefined);
        throw s3Error(error, 'put', key, signal);
      }
    });
  }

  async function get(key: string, getOptions: GetObjectOptions = {}): Promise<Readable> {
    const { start, end, signal } = getOptions;
    const range = (start !== undefined && start > 0) || end !== undefined ? { Range: `bytes=${start ?? 0}-${end ?? ''}` } : {};
    let response;
    try {
      response = await sendRead(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...range }), signal === undefined ? {} : { abortSignal: signal }));
    } catch (error) {
      if (statusOf(error) === 416) return Readable.from([]);
      throw s3Error(error, 'get', key, signal);
    }
    const stream = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (stream === undefined) return Readable.from([]);
    async function* bytes(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of stream!) yield chunk;
      } catch (error) {
        throw s3Error(error, 'get', key, signal);
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  return {
    name: 's3',
    capabilities: { conditionalPut: singleWriter, leases: false, ranges: true },
    put,
    get,
    head: (key: string) => headInfo(key),
    list: (listOptions: ListOptions = {}): Promise<ListPage> => listS3Page(client, bucket, listOptions, listPageSize),
    async delete(key: string): Promise<void> {
      await mutex.run(key, async () => {
        const object = client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => {
          if (!isNotFound(error)) throw s3Error(error, 'delete', key);
        });
        await Promise.all([object, deleteMd5Record(client, bucket, key)]);
      });
    },
    async close(): Promise<void> {
      if (ownsClient) client.destroy();
    },
  };
}
