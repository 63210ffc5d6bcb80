/**
 * The Swift bank driver against the real Swift that `scripts/swift-up.sh` starts (tempauth,
 * one replica, 127.0.0.1). Every run uses fresh containers and removes them afterwards; the
 * file fails (never skips) when Swift does not answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { BankDriver } from '../../src/bank/driver.js';
import { readAll } from '../../src/bank/internal/body.js';
import { createSwiftDriver, type SwiftDriverOptions } from '../../src/bank/drivers/swift.js';
import { testBankDriver } from '../../src/testing/bank-driver-suite.js';
import { MiB, chunked, codeOf, md5 } from '../helpers/driver-bytes.js';
import { purgeSwiftContainers, requireSwift, uniqueName } from '../helpers/services.js';

const swift = await requireSwift();
const containers: string[] = [];

function newDriver(overrides: Partial<SwiftDriverOptions> = {}): { driver: BankDriver; container: string } {
  const container = overrides.container ?? uniqueName('kts-swift');
  containers.push(container, `${container}_segments`, `${container}_leases`);
  const auth = { type: 'tempauth' as const, authUrl: swift.authUrl, user: swift.user, key: swift.key };
  return { driver: createSwiftDriver({ auth, ...overrides, container }), container };
}

async function raw(method: string, path: string): Promise<Response> {
  return fetch(`${swift.storageUrl}/${path}`, { method, headers: { 'X-Auth-Token': swift.token } });
}

async function names(container: string): Promise<string[]> {
  const response = await raw('GET', `${container}?format=json`);
  if (response.status === 404) return [];
  return ((await response.json()) as { name: string }[]).map((entry) => entry.name);
}

afterAll(async () => {
  await purgeSwiftContainers(swift, containers);
});

// The conformance suite: a fresh container per case; small SLO settings so that its large
// object (64 MiB) is a static large object of several segments.
const suiteContainers = new Map<BankDriver, string>();
testBankDriver({
  name: 'swift',
  create: () => {
    const { driver, container } = newDriver({ sloThreshold: 8 * MiB, segmentSize: 16 * MiB });
    suiteContainers.set(driver, container);
    return driver;
  },
  cleanup: async (driver) => {
    const container = suiteContainers.get(driver)!;
    await purgeSwiftContainers(swift, [container, `${container}_segments`, `${container}_leases`]);
  },
});

describe('swift driver: objects', () => {
  const { driver, container } = newDriver();

  it('round-trips bytes, metadata (also values HTTP would trim) and reports md5 etags', async () => {
    const data = randomBytes(100_000);
    const metadata = { plain: 'v', spaced: '  padded  ', empty: '', encoded: '=?UTF-8?B?eA==?=' };
    const info = await driver.put('a/b.bin', data, { metadata });
    expect(info).toMatchObject({ key: 'a/b.bin', size: data.length, etag: md5(data), metadata });
    const head = await driver.head('a/b.bin');
    expect(head).toMatchObject({ size: data.length, etag: md5(data), version: info.version, metadata });
    expect(head?.lastModified).toBeInstanceOf(Date);
    expect(Buffer.compare(await readAll(await driver.get('a/b.bin')), data)).toBe(0);
    expect(Buffer.compare(await readAll(await driver.get('a/b.bin', { start: 10, end: 19 })), data.subarray(10, 20))).toBe(0);
    expect((await readAll(await driver.get('a/b.bin', { start: data.length }))).length).toBe(0);
  });

  it('changes the version on every rewrite, even of identical bytes', async () => {
    const first = await driver.put('v', Buffer.from('same'));
    const second = await driver.put('v', Buffer.from('same'));
    expect(second.version).not.toBe(first.version);
    expect((await driver.head('v'))?.version).toBe(second.version);
  });

  it('refuses metadata keys in the reserved kts- namespace', async () => {
    expect(await codeOf(driver.put('m', Buffer.from('x'), { metadata: { 'kts-md5': 'x' } }))).toBe('KTS_ERR_INVALID_OPTION');
  });

  it('maps a missing object to KTS_ERR_BANK_OBJECT_NOT_FOUND and deletes idempotently', async () => {
    expect(await codeOf(driver.get('missing'))).toBe('KTS_ERR_BANK_OBJECT_NOT_FOUND');
    expect(await driver.head('missing')).toBeUndefined();
    await driver.delete('missing');
  });

  it('lists with Swift-native prefix, exclusive marker, limit and descending order', async () => {
    const keys = ['l/a', 'l/b', 'l/b/c', 'l/c', 'l/é', 'l/z~'];
    for (const key of keys) await driver.put(key, Buffer.from(key));
    expect(await driver.list({ prefix: 'l/' })).toEqual({ keys: ['l/a', 'l/b', 'l/b/c', 'l/c', 'l/z~', 'l/é'] });
    expect(await driver.list({ prefix: 'l/', order: 'desc', marker: 'l/c', limit: 2 })).toEqual({ keys: ['l/b/c', 'l/b'], nextMarker: 'l/b' });
    expect(await driver.list({ prefix: 'l/', order: 'desc', marker: 'l/b', limit: 2 })).toEqual({ keys: ['l/a'] });
    expect(await driver.list({ prefix: 'l/', marker: 'l/b', limit: 3 })).toEqual({ keys: ['l/b/c', 'l/c', 'l/z~'], nextMarker: 'l/z~' });
    expect(await driver.list({ prefix: 'nothing/' })).toEqual({ keys: [] });
    expect(await names(container)).toContain('l/é');
  });

  it('pages through several Swift listing requests in both orders', async () => {
    const { driver: many } = newDriver({ listPageSize: 4 });
    const keys = Array.from({ length: 23 }, (_, i) => `k/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((key) => many.put(key, Buffer.from('x'))));
    expect((await many.list()).keys).toEqual(keys);
    expect(await many.list({ marker: keys[3], limit: 10 })).toEqual({ keys: keys.slice(4, 14), nextMarker: keys[13] });
    expect(await many.list({ order: 'desc', marker: keys[20], limit: 9 })).toEqual({ keys: keys.slice(11, 20).reverse(), nextMarker: keys[11] });
    expect(await many.list({ order: 'desc', marker: keys[5], limit: 9 })).toEqual({ keys: keys.slice(0, 5).reverse() });
  });
});

describe('swift driver: static large objects', () => {
  const { driver, container } = newDriver({ sloThreshold: MiB, segmentSize: MiB });
  const segments = `${container}_segments`;

  it('stores a stream above the threshold as an SLO whose etag is the md5 of the whole content', async () => {
    const data = randomBytes(3 * MiB + 12_345);
    const info = await driver.put('big', chunked(data), { metadata: { kind: 'slo' } });
    expect(info).toMatchObject({ size: data.length, etag: md5(data) });
    const headers = (await raw('HEAD', `${container}/big`)).headers;
    expect(headers.get('x-static-large-object')).toBe('True');
    expect((await names(segments)).length).toBe(4);
    expect(await driver.head('big')).toMatchObject({ size: data.length, etag: md5(data), metadata: { kind: 'slo' }, version: info.version });
    expect(md5(await readAll(await driver.get('big')))).toBe(md5(data));
    const across = await readAll(await driver.get('big', { start: MiB - 5, end: MiB + 4 }));
    expect(Buffer.compare(across, data.subarray(MiB - 5, MiB + 5))).toBe(0);
  });

  it('deletes the old segments when a large object is overwritten, and its segments on delete', async () => {
    await driver.put('big2', randomBytes(2 * MiB + 1));
    const before = await names(segments);
    await driver.put('big2', randomBytes(2 * MiB + 7));
    const after = await names(segments);
    expect(after.length).toBe(before.length);
    expect(after).not.toEqual(before);
    await driver.put('big2', Buffer.from('small now'));
    await driver.delete('big');
    expect(await names(segments)).toEqual([]);
    expect(await driver.head('big')).toBeUndefined();
  });

  it('refuses a large upload whose expected etag differs, leaving the previous object and no segments', async () => {
    const previous = await driver.put('guarded', Buffer.from('previous'));
    const data = randomBytes(2 * MiB + 3);
    expect(await codeOf(driver.put('guarded', chunked(data), { etag: md5(Buffer.from('other')) }))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect((await driver.head('guarded'))?.version).toBe(previous.version);
    expect(await names(segments)).toEqual([]);
    expect((await driver.put('guarded', chunked(data), { etag: md5(data) })).etag).toBe(md5(data));
  });

  it('leaves nothing behind when a large upload is cancelled', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 64; i++) {
        if (i === 40) controller.abort();
        yield randomBytes(64 * 1024);
      }
    }
    expect(await codeOf(driver.put('cancelled', slow(), { signal: controller.signal }))).toBe('KTS_ERR_CANCELLED');
    expect(await driver.head('cancelled')).toBeUndefined();
    expect((await names(segments)).filter((name) => !name.startsWith(md5(Buffer.from('guarded'))))).toEqual([]);
  });
});

describe('swift driver: integrity on the wire', () => {
  /** A fetch that flips one byte of every object PUT body after the driver hashed it. */
  const corrupting: typeof fetch = async (input, init) => {
    const url = String(input);
    if (init?.method === 'PUT' && /\/v1\/[^/]+\/[^/]+\/.+/u.test(url) && !url.includes('multipart-manifest')) {
      const body = init.body;
      if (body instanceof Uint8Array) {
        const copy = Buffer.from(body);
        copy[0] = copy[0]! ^ 0xff;
        return fetch(input, { ...init, body: copy });
      }
      if (body !== null && body !== undefined && typeof body === 'object' && Symbol.asyncIterator in body) {
        const source = body as AsyncIterable<Uint8Array>;
        async function* flipped(): AsyncGenerator<Uint8Array> {
          let first = true;
          for await (const chunk of source) {
            if (first) {
              const copy = Buffer.from(chunk);
              copy[0] = copy[0]! ^ 0xff;
              first = false;
              yield copy;
            } else yield chunk;
          }
        }
        return fetch(input, { ...init, body: flipped() } as RequestInit);
      }
    }
    return fetch(input, init);
  };
  const { driver, container } = newDriver({ fetch: corrupting, sloThreshold: MiB, segmentSize: MiB });

  it('Swift refuses bytes corrupted after hashing (ETag sent, 422 → KTS_ERR_BANK_INTEGRITY)', async () => {
    expect(await codeOf(driver.put('small', Buffer.from('hello world')))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect(await names(container)).toEqual([]);
  });

  it('a streamed segment whose answered ETag differs fails the put and removes the segments', async () => {
    expect(await codeOf(driver.put('large', chunked(randomBytes(2 * MiB + 1))))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect(await names(container)).toEqual([]);
    expect(await names(`${container}_segments`)).toEqual([]);
  });

  it('an expected etag that does not match fails before anything is sent', async () => {
    const { driver: plain, container: other } = newDriver();
    expect(await codeOf(plain.put('x', Buffer.from('abc'), { etag: md5(Buffer.from('abd')) }))).toBe('KTS_ERR_BANK_INTEGRITY');
    expect(await names(other)).toEqual([]);
  });
});

describe('swift driver: conditional puts and capabilities', () => {
  const { driver } = newDriver();

  it('declares conditional puts and leases only for a single writer', () => {
    expect(driver.capabilities).toEqual({ conditionalPut: true, leases: true, ranges: true });
    const shared = newDriver({ singleWriter: false }).driver;
    expect(shared.capabilities).toEqual({ conditionalPut: false, leases: false, ranges: true });
    expect(shared.leases).toBeUndefined();
  });

  it('honours ifNoneMatch and ifMatch', async () => {
    const first = await driver.put('c', Buffer.from('1'), { ifNoneMatch: '*' });
    expect(await codeOf(driver.put('c', Buffer.from('2'), { ifNoneMatch: '*' }))).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
    const second = await driver.put('c', Buffer.from('2'), { ifMatch: first.version });
    expect(await codeOf(driver.put('c', Buffer.from('3'), { ifMatch: first.version }))).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
    expect(await codeOf(driver.put('absent', Buffer.from('3'), { ifMatch: second.version }))).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
    expect((await driver.head('c'))?.version).toBe(second.version);
  });

  it('lets exactly one of many concurrent creators win (Swift alone would let several)', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => codeOf(driver.put('race', Buffer.from(`writer ${i}`), { ifNoneMatch: '*' }))),
    );
    expect(results.filter((code) => code === 'no error')).toHaveLength(1);
    expect(results.filter((code) => code === 'KTS_ERR_BANK_PRECONDITION_FAILED')).toHaveLength(9);
  });

  it('compare-and-swap loses no update among concurrent writers', async () => {
    await driver.put('counter', Buffer.from('0'));
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const info = (await driver.head('counter'))!;
          const value = Number((await readAll(await driver.get('counter'))).toString());
          const code = await codeOf(driver.put('counter', Buffer.from(String(value + 1)), { ifMatch: info.version }));
          if (code === 'no error') return;
          expect(code).toBe('KTS_ERR_BANK_PRECONDITION_FAILED');
        }
      }),
    );
    expect((await readAll(await driver.get('counter'))).toString()).toBe('8');
  });
});

describe('swift driver: native leases', () => {
  let now = Date.now();
  const { driver, container } = newDriver({ clock: () => now });
  const leases = driver.leases!;

  it('acquires, refuses other owners, renews, expires and releases', async () => {
    const lease = await leases.acquire('checkpoint/1', 'node-a', 60_000);
    expect(lease).toEqual({ name: 'checkpoint/1', owner: 'node-a', expiresAt: now + 60_000 });
    expect(await codeOf(leases.acquire('checkpoint/1', 'node-b', 60_000))).toBe('KTS_ERR_BANK_LEASE_HELD');
    expect((await leases.acquire('checkpoint/1', 'node-a', 30_000)).expiresAt).toBe(now + 30_000);
    expect((await leases.renew('checkpoint/1', 'node-a', 90_000)).expiresAt).toBe(now + 90_000);
    expect(await codeOf(leases.renew('checkpoint/1', 'node-b', 1000))).toBe('KTS_ERR_BANK_LEASE_LOST');
    expect(await leases.holder('checkpoint/1')).toMatchObject({ owner: 'node-a' });
    const headers = (await raw('HEAD', `${container}_leases/checkpoint/1`)).headers;
    expect(Number(headers.get('x-delete-at'))).toBeGreaterThan(Date.now() / 1000 + 60);

    now += 120_000;
    expect(await leases.holder('checkpoint/1')).toBeUndefined();
    expect(await codeOf(leases.renew('checkpoint/1', 'node-a', 1000))).toBe('KTS_ERR_BANK_LEASE_LOST');
    expect((await leases.acquire('checkpoint/1', 'node-b', 60_000)).owner).toBe('node-b');
    await leases.release('checkpoint/1', 'node-a');
    expect(await leases.holder('checkpoint/1')).toMatchObject({ owner: 'node-b' });
    await leases.release('checkpoint/1', 'node-b');
    expect(await leases.holder('checkpoint/1')).toBeUndefined();
    expect((await leases.acquire('checkpoint/1', 'node-a', 1000)).owner).toBe('node-a');
  });

  it('gives a contested lease to exactly one of many concurrent owners', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => codeOf(leases.acquire('contested', `owner-${i}`, 60_000))));
    expect(results.filter((code) => code === 'no error')).toHaveLength(1);
  });
});

describe('swift driver: authentication', () => {
  /** Wraps fetch to count v1 auth calls. */
  function counting(): { fetch: typeof fetch; auths: () => number } {
    let auths = 0;
    return {
      fetch: (input, init) => {
        if (String(input).includes('/auth/v1.0')) auths++;
        return fetch(input, init);
      },
      auths: () => auths,
    };
  }

  it('re-authenticates once after a 401 (a bogus token first) and carries on', async () => {
    const counter = counting();
    const { driver } = newDriver({ storageUrl: swift.storageUrl, initialToken: 'AUTH_tkbogus', fetch: counter.fetch, sloThreshold: MiB, segmentSize: MiB });
    const data = randomBytes(2 * MiB + 5);
    expect((await driver.put('after-refresh', chunked(data))).etag).toBe(md5(data));
    expect(md5(await readAll(await driver.get('after-refresh')))).toBe(md5(data));
    expect(counter.auths()).toBe(1);
  });

  it('re-authenticates ahead of expiry (by its clock), before streaming', async () => {
    const counter = counting();
    let now = Date.now();
    // tempauth tokens here live at most a day: with a two-day margin, a token is still used
    // for half its life, then renewed before a request, never after a 401
    const { driver } = newDriver({ fetch: counter.fetch, tokenRefreshMarginMs: 2 * 86_400_000, clock: () => now });
    await driver.put('x', Buffer.from('1'));
    await driver.head('x');
    expect(counter.auths()).toBe(1);
    now += 86_400_000 + 60_000;
    // three requests at once find the token due: one login between them
    const data = randomBytes(2 * MiB + 5);
    const [written] = await Promise.all([driver.put('y', chunked(data)), driver.head('x'), driver.head('x')]);
    expect(written.etag).toBe(md5(data));
    expect(counter.auths()).toBe(2);
  });

  it('reports refused credentials as KTS_ERR_BANK_AUTH and an unreachable Swift as KTS_ERR_BANK_IO', async () => {
    const wrong = newDriver({ auth: { type: 'tempauth', authUrl: swift.authUrl, user: swift.user, key: 'wrong' } }).driver;
    expect(await codeOf(wrong.head('x'))).toBe('KTS_ERR_BANK_AUTH');
    const down = newDriver({ auth: { type: 'tempauth', authUrl: 'http://127.0.0.1:9/auth/v1.0', user: 'u', key: 'k' } }).driver;
    expect(await codeOf(down.head('x'))).toBe('KTS_ERR_BANK_IO');
  });
});

// Keystone answers one request at a time here (password logins take a good part of a second): generous timeouts
