/**
 * The S3 bank driver against the real S3 protocol of the local Swift's s3api layer (started by
 * `scripts/swift-up.sh`; SigV4, path-style, real multipart uploads with `"md5-N"` ETags).
 * Every run uses a fresh bucket and removes it afterwards; the file fails (never skips) when
 * the endpoint does not answer.
 */
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { BankDriver } from '../../src/bank/driver.js';
import { readAll } from '../../src/bank/internal/body.js';
import { createS3Driver, type S3DriverOptions } from '../../src/bank/drivers/s3.js';
import { testBankDriver } from '../../src/testing/bank-driver-suite.js';
import { MiB, chunked as chunkedBy, codeOf, md5 } from '../helpers/driver-bytes.js';
import { requireS3, uniqueName } from '../helpers/services.js';

const s3 = await requireS3();
const buckets: string[] = [];

function newClient(extra: Record<string, unknown> = {}): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...extra,
  });
}
const admin = newClient();

function newDriver(overrides: Partial<S3DriverOptions> = {}): { driver: BankDriver; bucket: string } {
  const bucket = overrides.bucket ?? uniqueName('kts-s3');
  buckets.push(bucket);
  const options: S3DriverOptions = {
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    ...overrides,
    bucket,
  };
  return { driver: createS3Driver(options), bucket };
}

async function keysOf(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const listing = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      keys.push(...(listing.Contents ?? []).map((entry) => entry.Key!));
      token = listing.IsTruncated === true ? listing.NextContinuationToken : undefined;
    } while (token !== undefined);
  } catch {
    // no such bucket
  }
  return keys;
}

async function pendingUploads(bucket: string): Promise<number> {
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (uploads.Uploads ?? []).length;
}

/** `bytes` in 256 KiB chunks. */
const chunked = (bytes: Uint8Array): Readable => chunkedBy(bytes, 256 * 1024);

async function purgeBucket(bucket: string): Promise<void> {
  const keys = await keysOf(bucket);
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((key) => admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))));
  }
  await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
}

afterAll(async () => {
  for (const bucket of buckets) await purgeBucket(bucket);
  admin.destroy();
});

// The conformance suite: a fresh bucket per case; a small multipart threshold so that its
// large object (64 MiB) goes multipart.
const suiteBuckets = new Map<BankDriver, string>();
testBankDriver({
  name: 's3',
  create: () => {
    const { driver, bucket } = newDriver({ multipartThreshold: 8 * MiB, partSize: 8 * MiB });
    suiteBuckets.set(driver, bucket);
    return driver;
  },
  cleanup: (driver) => purgeBucket(suiteBuckets.get(driver)!),
});

describe('s3 driver: objects', () => {
  const { driver } = newDriver();

  it('round-trips bytes and metadata, reports md5 etags and ranges', async () => {
    const data = randomBytes(70_000);
    const metadata = { plain: 'v', spaced: ' padded ', empty: '' };
    const info = await driver.put('a/b.bin', data, { metadata });
    expect(info).toMatchObject({ key: 'a/b.bin', size: data.length, etag: md5(data), metadata });
    expect(await driver.head('a/b.bin')).toMatchObject({ size: data.length, etag: md5(data), version: info.version, metadata });
    expect(Buffer.compare(await readAll(await driver.get('a/b.bin')), data)).toBe(0);
    expect(Buffer.compare(await readAll(await driver.get('a/b.bin', { start: 5, end: 9 })), data.subarray(5, 10))).toBe(0);
    expect(Buffer.compare(await readAll(await driver.get('a/b.bin', { end: 3 })), data.subarray(0, 4))).toBe(0);
    expect((await readAll(await driver.get('a/b.bin', { start: data.length + 10 }))).length).toBe(0);
  });

  it('maps absent objects and deletes idempotently', async () => {
    expect(await codeOf(driver.get('missing'))).toBe('KTS_ERR_BANK_OBJECT_NOT_FOUND');
    expect(await driver.head('missing')).toBeUndefined();
    await driver.delete('missing');
    const fresh = newDriver().driver; // bucket not created yet
    expect(await fresh.list()).toEqual({ keys: [] });
    expect(await fresh.head('x')).toBeUndefined();
  });

  it('lists ascending and descending with prefix, exclusive marker and limit', async () => {
    const keys = ['l/a', 'l/b', 'l/b/c', 'l/c', 'l/d', 'l/é', 'l/z~', 'm/x'];
    for (const key of keys) await driver.put(key, Buffer.from(key));
    expect(await driver.list({ prefix: 'l/' })).toEqual({ keys: ['l/a', 'l/b', 'l/b/c', 'l/c', 'l/d', 'l/z~', 'l/é'] });
    expect(await driver.list({ prefix: 'l/', limit: 2 })).toEqual({ keys: ['l/a', 'l/b'], nextMarker: 'l/b' });
    expect(await driver.list({ prefix: 'l/', marker: 'l/b', limit: 2 })).toEqual({ keys: ['l/b/c', 'l/c'], nextMarker: 'l/c' });
    expect(await driver.list({ prefix: 'l/', order: 'desc' })).toEqual({ keys: ['l/é', 'l/z~', 'l/d', 'l/c', 'l/b/c', 'l/b', 'l/a'] });
    expect(await driver.list({ prefix: 'l/', order: 'desc', limit: 3 })).toEqual({ keys: ['l/é', 'l/z~', 'l/d'], nextMarker: 'l/d' });
    expect(await driver.list({ prefix: 'l/', order: 'desc', marker: 'l/d', limit: 3 })).toEqual({ keys: ['l/c', 'l/b/c', 'l/b'], nextMarker: 'l/b' });
    expect(await driver.list({ prefix: 'l/', order: 'desc', marker: 'l/b', limit: 3 })).toEqual({ keys: ['l/a'] });
    expect(await driver.list({ prefix: 'l/', order: 'desc', marker: 'l/bb' })).toEqual({ keys: ['l/b/c', 'l/b', 'l/a'] });
    expect(await driver.list({ order: 'desc', limit: 1 })).toEqual({ keys: ['m/x'], nextMarker: 'm/x' });
  });

  it('pages through several S3 listing requests in both orders', async () => {
    const { driver: many } = newDriver({ listPageSize: 4 });
    const keys = Array.from({ length: 23 }, (_, i) => `k/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((key) => many.put(key, Buffer.from('x'))));
    expect((await many.list()).keys).toEqual(keys);
    expect(await many.list({ marker: keys[3], limit: 10 })).toEqual({ keys: keys.slice(4, 14), nextMarker: keys[13] });
    expect(await many.list({ order: 'desc', marker: keys[20], limit: 9 })).toEqual({ keys: keys.slice(11, 20).reverse(), nextMarker: keys[11] });
    expect(await many.list({ order: 'desc', marker: keys[5], limit: 9 })).toEqual({ keys: keys.slice(0, 5).reverse() });
  });
});

describe('s3 driver: multipart', () => {
  const { driver, bucket } = newDriver({ multipartThreshold: 6 * MiB, partSize: 5 * MiB });

  it('uploads large streams as multipart and still reports the md5 of the whole content', async () => {
    const data = randomBytes(12 * MiB + 3);
    const info = await driver.put('big', chunked(data), { metadata: { kind: 'large' } });
    expect(info).toMatchObject({ size: data.length, etag: md5(data) });
    const raw = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big' }));
    expect(raw.ETag).toMatch(/-3"$/u);
    expect(await driver.head('big')).toMatchObject({ size: data.length, etag: md5(data), version: info.version, metadata: { kind: 'large' } });
    expect(md5(await readAll(await driver.get('big')))).toBe(md5(data));
    const across = await readAll(await driver.get('big', { start: 5 * MiB - 3, end: 5 * MiB + 2 }));
    expect(Buffer.compare(across, data.subarray(5 * MiB - 3, 5 * MiB + 3))).toBe(0);
    // the md5 is recorded beside the object (hidden from listings), not by copying the object
    expect((await keysOf(bucket)).filter((key) => key.startsWith('.kts/md5/'))).toHaveLength(1);
    expect((await driver.list()).keys).toEqual(['big']);
    await driver.put('big', Buffer.from('small now'));
    expect((await driver.head('big'))?.etag).toBe(md5(Buffer.from('small now')));
    await driver.delete('big');
    expect(await keysOf(bucket)).toEqual([]);
  });

  it('stores the md5 upfront when the expected etag is given, and aborts when it differs', async () => {
    const data = randomBytes(11 * MiB);
    expect((await driver.put('known', chunked(data), { etag: md5(data) })).etag).toBe(md5(data));
    expect((await driver.head('known'))?.etag).toBe(md5(data));
    const previous = (await driver.head('known'))!;
    expect(await codeOf(driver.put('known', chunked(randomBytes(11 * MiB)), { etag: md5(data) }))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect((await driver.head('known'))?.version).toBe(previous.version);
    expect(await pendingUploads(bucket)).toBe(0);
  });

  it('leaves no object and no pending upload when cancelled', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 60; i++) {
        if (i === 45) controller.abort();
        yield randomBytes(256 * 1024);
      }
    }
    expect(await codeOf(driver.put('cancelled', slow(), { signal: controller.signal }))).toBe('KTS_ERR_CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await driver.head('cancelled')).toBeUndefined();
    expect(await pendingUploads(bucket)).toBe(0);
  });
});

describe('s3 driver: integrity, conditions and errors', () => {
  it('S3 refuses bytes corrupted after hashing (Content-MD5 → BadDigest → KTS_ERR_BANK_INTEGRITY)', async () => {
    const client = newClient();
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        if (request.body instanceof Uint8Array && request.body.length > 0) {
          const copy = Buffer.from(request.body);
          copy[0] = copy[0]! ^ 0xff;
          request.body = copy;
        }
        return next(args);
      },
      { step: 'build', name: 'corruptBody' },
    );
    const { driver, bucket } = newDriver({ client });
    expect(await codeOf(driver.put('x', Buffer.from('hello world')))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect(await keysOf(bucket)).toEqual([]);
    expect(await codeOf(driver.put('y', Buffer.from('abc'), { etag: md5(Buffer.from('abd')) }))).toBe('KTS_ERR_BANK_INTEGRITY');
  });

  it('declares conditional puts for a single writer only, and honours them', async () => {
    const { driver } = newDriver();
    expect(driver.capabilities).toEqual({ conditionalPut: true, leases: false, ranges: true });
    expect(newDriver({ singleWriter: false }).driver.capabilities.conditionalPut).toBe(false);
    const first = await driver.put('c', Buffer.from('1'), { ifNoneMatch: '*' });
    expect(await codeOf(driver.put('c', Buffer.from('2'), { ifNoneMatch: '*' }))).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
    const second = await driver.put('c', Buffer.from('2'), { ifMatch: first.version });
    expect(second.version).not.toBe(first.version);
    expect(await codeOf(driver.put('c', Buffer.from('3'), { ifMatch: first.version }))).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => codeOf(driver.put('race', Buffer.from(String(i)), { ifNoneMatch: '*' }))));
    expect(results.filter((code) => code === 'no error')).toHaveLength(1);
  });

  it('reports refused credentials as KTS_ERR_BANK_AUTH and an unreachable endpoint as KTS_ERR_BANK_IO', async () => {
    const wrong = newDriver({ credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'wrong' } }).driver;
    expect(await codeOf(wrong.head('x'))).toBe('KTS_ERR_BANK_AUTH');
    expect(await codeOf(wrong.put('x', Buffer.from('x')))).toBe('KTS_ERR_BANK_AUTH');
    const down = newDriver({ client: newClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }) }).driver;
    expect(await codeOf(down.head('x'))).toBe('KTS_ERR_BANK_IO');
  });
});
