/**
 * The Swift bank driver against the real Swift that `scripts/swift-up.sh` starts (tempauth,
 * one replica, 127.0.0.1). Every run uses fresh containers and removes them afterwards; the
 * file fails (never skips) when Swift does not answer.
 *
 * Keystone v3: against the real Keystone of `scripts/keystone-up.sh` (python3-keystone, Fernet
 * tokens) and its second Swift proxy (port 8081, same storage, keystonemiddleware authtoken +
 * Swift keystoneauth), which Keystone's catalog lists as the object-store. The driver logs in
 * as demo, finds its account (`AUTH_<demo project id>`) in the catalog, and its objects are
 * checked there with raw requests; region and interface selection runs against an extra
 * object-store service this file registers in a region of its own (removed afterwards);
 * refused logins, revoked tokens (revoked through Keystone's API) and the announced expiry are
 * Keystone's own. Nothing is faked: the fetch some tests give the driver only passes requests
 * through and records them (and, in the revocation test, revokes the first token Keystone
 * issues before the driver uses it, since authtoken caches a token it already validated).
 * The file fails (never skips) when Keystone does not answer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import type { BankDriver } from '../../src/bank/driver.js';
import { readAll } from '../../src/bank/internal/body.js';
import { createSwiftDriver, type SwiftDriverOptions, type SwiftKeystoneAuthOptions } from '../../src/bank/drivers/swift.js';
import { keystoneAuthBody, storageUrlFromCatalog } from '../../src/bank/drivers/swift-auth.js';
import { testBankDriver } from '../../src/testing/bank-driver-suite.js';
import { keystoneLogin, registerKeystoneService, requireKeystone, type KeystoneLogin, type KeystoneTokenBody } from '../helpers/keystone.js';
import { purgeSwiftContainers, requireSwift, uniqueName } from '../helpers/services.js';

const swift = await requireSwift();
const keystone = await requireKeystone();
/** A demo login of the tests' own: the project id, the token lifetime and a token for raw requests. */
const demoLogin = await keystoneLogin(keystone, keystone.demo);
const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const containers: string[] = [];

function newDriver(overrides: Partial<SwiftDriverOptions> = {}): { driver: BankDriver; container: string } {
  const container = overrides.container ?? uniqueName('kts-swift');
  containers.push(container, `${container}_segments`, `${container}_leases`);
  const auth = { type: 'tempauth' as const, authUrl: swift.authUrl, user: swift.user, key: swift.key };
  return { driver: createSwiftDriver({ auth, ...overrides, container }), container };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isFrameworkError(error) ? error.code : `uncoded: ${String(error)}`;
  }
  return 'no error';
}

async function raw(method: string, path: string): Promise<Response> {
  return fetch(`${swift.storageUrl}/${path}`, { method, headers: { 'X-Auth-Token': swift.token } });
}

async function names(container: string): Promise<string[]> {
  const response = await raw('GET', `${container}?format=json`);
  if (response.status === 404) return [];
  return ((await response.json()) as { name: string }[]).map((entry) => entry.name);
}

function chunked(bytes: Uint8Array, size = 64 * 1024): Readable {
  return Readable.from((function* () {
    for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
  })());
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
    expect((await names(segments)).filter((name) => !name.startsWith(createHash('md5').update('guarded').digest('hex')))).toEqual([]);
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
describe('swift driver: Keystone v3 (real Keystone, real Keystone-authenticated Swift)', { timeout: 60_000 }, () => {
  const demo = keystone.demo;
  const demoProjectId = demoLogin.body.project!.id;
  /** The demo project's account on the Keystone Swift proxy, as Keystone's catalog announces it. */
  const demoAccount = `${keystone.swiftUrl}/v1/AUTH_${demoProjectId}`;
  /** A closed port: an endpoint there cannot be reached. */
  const DEAD = 'http://127.0.0.1:9';
  /** A catalog region of this file's own (see `registerKeystoneService`). */
  const region = uniqueName('kts-swift-region');
  const demoContainers = new Set<string>();
  let unregister: (() => Promise<void>) | undefined;
  /** A made-up catalog for the unit expectations of storageUrlFromCatalog. */
  const catalog = [
    { type: 'identity', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://keystone:5000/v3' }] },
    {
      type: 'object-store',
      endpoints: [
        { interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: 'http://internal:8080/v1/AUTH_x' },
        { interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'http://public-one:8080/v1/AUTH_x/' },
        { interface: 'public', region_id: 'RegionTwo', region: 'RegionTwo', url: 'http://two:8080/v1/AUTH_x' },
      ],
    },
  ];

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected the promise to fail');
  }

  /** A Swift driver that logs in to the real Keystone as demo (region RegionOne unless `auth` says otherwise). */
  function keystoneDriver(auth: Partial<SwiftKeystoneAuthOptions> = {}, overrides: Partial<SwiftDriverOptions> = {}) {
    const container = overrides.container ?? uniqueName('kts-swift-ks');
    for (const name of [container, `${container}_segments`, `${container}_leases`]) demoContainers.add(name);
    const full: SwiftKeystoneAuthOptions = {
      type: 'keystone',
      authUrl: keystone.authUrl,
      username: demo.username,
      password: demo.password,
      projectName: demo.projectName,
      region: 'RegionOne',
      ...auth,
    };
    return { driver: createSwiftDriver({ ...overrides, auth: full, container }), container, auth: full };
  }

  /** A raw request to the demo project's account, with a demo token of the tests' own (not the driver's). */
  async function demoRaw(method: string, path: string, token = demoLogin.token): Promise<Response> {
    return fetch(`${demoAccount}/${path}`, { method, headers: { 'X-Auth-Token': token } });
  }

  async function demoNames(container: string): Promise<string[]> {
    const response = await demoRaw('GET', `${container}?format=json`);
    if (response.status === 404) return [];
    expect(response.status).toBe(200);
    return ((await response.json()) as { name: string }[]).map((entry) => entry.name);
  }

  /** What the driver sent through {@link recording}: its Keystone logins and its Swift requests. */
  interface Exchange {
    readonly method: string;
    readonly url: string;
    /** `X-Auth-Token` of the request. */
    readonly token: string | null;
    /** The JSON body of a login. */
    readonly body?: unknown;
    /** The status answered; 0 when the request failed. */
    status: number;
    /** `X-Subject-Token` of a login's answer. */
    subjectToken?: string;
  }

  /**
   * A pass-through fetch for the driver (the global fetch, unchanged requests and answers) that
   * records what the driver sent. `afterLogin` runs when Keystone answered a login, before the
   * driver sees the answer (the revocation test revokes the fresh token there).
   */
  function recording(afterLogin?: (token: string, index: number) => Promise<void>): { fetch: typeof fetch; logins: Exchange[]; swift: Exchange[] } {
    const logins: Exchange[] = [];
    const swiftCalls: Exchange[] = [];
    const recorder: typeof fetch = async (input, init) => {
      const url = String(input);
      const method = (init?.method ?? 'GET').toUpperCase();
      const login = method === 'POST' && url.endsWith('/auth/tokens');
      const exchange: Exchange = {
        method,
        url,
        token: new Headers(init?.headers).get('x-auth-token'),
        ...(login ? { body: JSON.parse(String(init?.body)) as unknown } : {}),
        status: 0,
      };
      (login ? logins : swiftCalls).push(exchange);
      const response = await fetch(input, init);
      exchange.status = response.status;
      const subject = response.headers.get('x-subject-token');
      if (!login || subject === null) return response;
      exchange.subjectToken = subject;
      // read Keystone's (small) answer whole before anything else talks to the single-threaded Keystone
      const bytes = await response.arrayBuffer();
      await afterLogin?.(subject, logins.indexOf(exchange));
      return new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
    return { fetch: recorder, logins, swift: swiftCalls };
  }

  let adminLogin: Promise<KeystoneLogin> | undefined;
  /** One admin login for the whole block (Keystone is single-threaded here: few logins). */
  const admin = (): Promise<KeystoneLogin> => (adminLogin ??= keystoneLogin(keystone, keystone.admin));

  /** An admin request to Keystone; answers the status and the parsed body. */
  async function asAdmin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | undefined }> {
    const { token } = await admin();
    const response = await fetch(`${keystone.authUrl}${path}`, {
      method,
      headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as T) };
  }

  /** Revokes `token` for real: `DELETE /v3/auth/tokens` with an admin token and `X-Subject-Token`. */
  async function revoke(token: string): Promise<void> {
    const { token: adminToken } = await admin();
    const response = await fetch(`${keystone.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': adminToken, 'X-Subject-Token': token } });
    await response.body?.cancel();
    if (response.status !== 204) throw new Error(`Keystone did not revoke the token: HTTP ${response.status}`);
  }

  beforeAll(async () => {
    // An object-store service in a region of its own, in front of the same Keystone Swift proxy
    // (Keystone puts each user's project id into the URL template), whose internal endpoint
    // points at a closed port: region and interface pick different endpoints.
    unregister = await registerKeystoneService(keystone, 'object-store', region, `${keystone.swiftUrl}/v1/AUTH_$(project_id)s`);
    const found = await asAdmin<{ endpoints: { id: string }[] }>('GET', `/endpoints?region_id=${encodeURIComponent(region)}&interface=internal`);
    expect(found.status).toBe(200);
    expect(found.body?.endpoints).toHaveLength(1);
    const patched = await asAdmin('PATCH', `/endpoints/${found.body!.endpoints[0]!.id}`, { endpoint: { url: `${DEAD}/v1/AUTH_$(project_id)s` } });
    expect(patched.status).toBe(200);
  });

  afterAll(async () => {
    try {
      const { token } = await keystoneLogin(keystone, demo);
      await purgeSwiftContainers({ ...swift, storageUrl: demoAccount, token }, [...demoContainers]);
    } finally {
      await unregister?.();
    }
  });

  it('picks the object-store endpoint by region and interface', () => {
    expect(storageUrlFromCatalog(catalog, undefined)).toBe('http://public-one:8080/v1/AUTH_x');
    expect(storageUrlFromCatalog(catalog, 'RegionTwo')).toBe('http://two:8080/v1/AUTH_x');
    expect(storageUrlFromCatalog(catalog, 'RegionOne', 'internal')).toBe('http://internal:8080/v1/AUTH_x');
    expect(() => storageUrlFromCatalog(catalog, 'RegionThree')).toThrowError(/no object-store endpoint/u);
    expect(() => storageUrlFromCatalog(undefined, undefined, 'admin')).toThrowError(/no object-store endpoint/u);
  });

  it('builds a password-auth request scoped to the project', () => {
    expect(keystoneAuthBody({ type: 'keystone', authUrl: 'x', username: 'u', password: 'p', projectName: 'demo' })).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'u', domain: { name: 'Default' }, password: 'p' } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
  });

  it("logs in as demo through the catalog and keeps the objects in the demo project's account", async () => {
    // the default transport, as in production
    const { driver, container } = keystoneDriver({}, { sloThreshold: MiB, segmentSize: MiB });
    const small = randomBytes(50_000);
    const info = await driver.put('dir/small.bin', small, { metadata: { owner: 'demo' } });
    expect(info).toMatchObject({ key: 'dir/small.bin', size: small.length, etag: md5(small) });
    const big = randomBytes(2 * MiB + 17);
    expect(await driver.put('dir/big.bin', chunked(big))).toMatchObject({ size: big.length, etag: md5(big) });
    expect(await driver.head('dir/small.bin')).toMatchObject({ size: small.length, etag: md5(small), version: info.version, metadata: { owner: 'demo' } });
    expect(Buffer.compare(await readAll(await driver.get('dir/small.bin')), small)).toBe(0);
    expect(Buffer.compare(await readAll(await driver.get('dir/big.bin', { start: MiB - 3, end: MiB + 3 })), big.subarray(MiB - 3, MiB + 4))).toBe(0);
    expect(await driver.list({ prefix: 'dir/' })).toEqual({ keys: ['dir/big.bin', 'dir/small.bin'] });

    // really in the demo project's account, as Swift itself (keystoneauth) shows it to a demo token
    expect(await demoNames(container)).toEqual(['dir/big.bin', 'dir/small.bin']);
    const stored = await demoRaw('GET', `${container}/dir/small.bin`);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('x-object-meta-owner')).toBe('demo');
    expect(Buffer.compare(Buffer.from(await stored.arrayBuffer()), small)).toBe(0);
    expect((await demoRaw('HEAD', `${container}/dir/big.bin`)).headers.get('x-static-large-object')).toBe('True');
    expect(await demoNames(`${container}_segments`)).toHaveLength(3);
    // and not in the tempauth account of the same storage
    expect((await raw('HEAD', container)).status).toBe(404);

    await driver.delete('dir/big.bin');
    await driver.delete('dir/small.bin');
    expect(await driver.head('dir/small.bin')).toBeUndefined();
    expect(await driver.list()).toEqual({ keys: [] });
    expect(await demoNames(container)).toEqual([]);
    expect(await demoNames(`${container}_segments`)).toEqual([]);
    await driver.close?.();
  });

  it('sends one password login to <authUrl>/v3/auth/tokens, then the subject token to the catalog URL', async () => {
    const recorder = recording();
    // the root URL without /v3 (the driver appends it), the project by id, the user's domain by id
    const authUrl = keystone.authUrl.replace(/\/v3$/u, '');
    const { driver, auth } = keystoneDriver({ authUrl, projectId: demoProjectId, projectName: undefined, userDomainId: 'default' }, { fetch: recorder.fetch });
    await driver.put('via-keystone', Buffer.from('hello'));
    expect((await readAll(await driver.get('via-keystone'))).toString()).toBe('hello');
    expect(await driver.list()).toEqual({ keys: ['via-keystone'] });

    expect(recorder.logins).toHaveLength(1);
    const [login] = recorder.logins;
    expect(login).toMatchObject({ method: 'POST', url: `${keystone.authUrl}/auth/tokens`, status: 201, body: keystoneAuthBody(auth) });
    expect(login!.body).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: demo.password } } },
        scope: { project: { id: demoProjectId } },
      },
    });
    expect(recorder.swift.length).toBeGreaterThanOrEqual(4);
    for (const call of recorder.swift) {
      expect(call.url.startsWith(`${demoAccount}/`)).toBe(true);
      expect(call.token).toBe(login!.subjectToken);
    }
    expect(recorder.swift.filter((call) => call.status === 0 || call.status === 401 || call.status === 403)).toEqual([]);
  });

  it('picks the endpoint by region and interface from the real catalog', async () => {
    const { body } = await keystoneLogin(keystone, demo);
    expect(storageUrlFromCatalog(body.catalog, 'RegionOne')).toBe(demoAccount);
    expect(storageUrlFromCatalog(body.catalog, 'RegionOne', 'internal')).toBe(demoAccount);
    expect(storageUrlFromCatalog(body.catalog, region)).toBe(demoAccount);
    expect(storageUrlFromCatalog(body.catalog, region, 'admin')).toBe(demoAccount);
    expect(storageUrlFromCatalog(body.catalog, region, 'internal')).toBe(`${DEAD}/v1/AUTH_${demoProjectId}`);
    expect(() => storageUrlFromCatalog(body.catalog, `${region}-nowhere`)).toThrowError(/no object-store endpoint/u);

    // own region, public: the real Swift
    const publicOne = recording();
    const { driver, container } = keystoneDriver({ region }, { fetch: publicOne.fetch });
    const info = await driver.put('picked', Buffer.from('by region'));
    expect(publicOne.swift.every((call) => call.url.startsWith(`${demoAccount}/${container}`))).toBe(true);
    expect(await demoNames(container)).toEqual(['picked']);

    // own region, admin: the real Swift too
    const admin = keystoneDriver({ region, interface: 'admin' }, { container }).driver;
    expect((await admin.head('picked'))?.version).toBe(info.version);

    // own region, internal: the closed port, so the driver went where that endpoint says
    const internal = recording();
    const dead = keystoneDriver({ region, interface: 'internal' }, { container, fetch: internal.fetch }).driver;
    expect(await codeOf(dead.head('picked'))).toBe('KTS_ERR_BANK_IO');
    expect(internal.logins.map((login) => login.status)).toEqual([201]);
    expect(internal.swift.length).toBeGreaterThan(0);
    expect(internal.swift.every((call) => call.url.startsWith(`${DEAD}/v1/AUTH_${demoProjectId}/${container}/`) && call.status === 0)).toBe(true);

    // the same interface in RegionOne: the real Swift
    const regionOne = keystoneDriver({ region: 'RegionOne', interface: 'internal' }, { container }).driver;
    expect((await regionOne.head('picked'))?.version).toBe(info.version);

    // a region the catalog does not have
    const nowhere = recording();
    const lost = keystoneDriver({ region: `${region}-nowhere` }, { container, fetch: nowhere.fetch }).driver;
    expect(await codeOf(lost.head('picked'))).toBe('KTS_ERR_BANK_AUTH');
    expect(nowhere.swift).toEqual([]);
  });

  it('reports refused credentials as KTS_ERR_BANK_AUTH and an unreachable Keystone as KTS_ERR_BANK_IO', async () => {
    const wrong = keystoneDriver({ password: 'wrong-password' });
    const error = await failure(wrong.driver.head('x'));
    expect(isFrameworkError(error) && error.code).toBe('KTS_ERR_BANK_AUTH');
    expect((error as Error).message).toMatch(/Keystone refused the credentials \(HTTP 401\)/u);
    expect(await codeOf(wrong.driver.put('x', Buffer.from('x')))).toBe('KTS_ERR_BANK_AUTH');
    expect((await demoRaw('HEAD', wrong.container)).status).toBe(404);
    // demo has no role on project admin: Keystone refuses the scope
    expect(await codeOf(keystoneDriver({ projectName: 'admin' }).driver.head('x'))).toBe('KTS_ERR_BANK_AUTH');
    // a demo token in the admin project's account: Swift's keystoneauth refuses it (403)
    const adminProject = (await admin()).body.project!.id;
    const foreign = keystoneDriver({}, { storageUrl: `${keystone.swiftUrl}/v1/AUTH_${adminProject}` }).driver;
    expect(await codeOf(foreign.put('x', Buffer.from('x')))).toBe('KTS_ERR_BANK_AUTH');
    expect(await codeOf(keystoneDriver({ authUrl: `${DEAD}/v3` }).driver.head('x'))).toBe('KTS_ERR_BANK_IO');
  });

  it('logs in again after Swift refuses a revoked token (401), before streaming and on a read', async () => {
    // The token of the driver's first login is revoked for real the moment Keystone issues it,
    // before the driver uses it: the Swift proxy's authtoken caches a token it validated (for
    // minutes), so a token revoked after its first use would still be accepted.
    const writer = recording(async (token, index) => (index === 0 ? revoke(token) : undefined));
    const { driver, container } = keystoneDriver({}, { fetch: writer.fetch, sloThreshold: MiB, segmentSize: MiB });
    const data = randomBytes(2 * MiB + 5);
    expect((await driver.put('renewed', chunked(data))).etag).toBe(md5(data));
    expect(writer.logins.map((login) => login.status)).toEqual([201, 201]);
    const [revoked, fresh] = writer.logins.map((login) => login.subjectToken!);
    expect(fresh).not.toBe(revoked);
    expect(writer.swift[0]).toMatchObject({ token: revoked, status: 401 });
    expect(writer.swift.slice(1).every((call) => call.token === fresh && call.status !== 401)).toBe(true);
    expect(writer.swift.filter((call) => call.method === 'PUT' && call.url.includes('_segments/'))).toHaveLength(3);
    expect((await demoRaw('HEAD', container, revoked)).status).toBe(401);
    expect((await demoRaw('HEAD', container, fresh)).status).toBe(204);
    const stored = await demoRaw('GET', `${container}/renewed`);
    expect(md5(Buffer.from(await stored.arrayBuffer()))).toBe(md5(data));

    // a driver whose first request is a GET of object content
    const reader = recording(async (token, index) => (index === 0 ? revoke(token) : undefined));
    const again = keystoneDriver({}, { container, fetch: reader.fetch }).driver;
    expect(md5(await readAll(await again.get('renewed')))).toBe(md5(data));
    expect(reader.logins.map((login) => login.status)).toEqual([201, 201]);
    expect(reader.swift.map((call) => [call.method, call.status, call.token])).toEqual([
      ['GET', 401, reader.logins[0]!.subjectToken],
      ['GET', 200, reader.logins[1]!.subjectToken],
    ]);
  });

  it('renews the token ahead of the expiry Keystone announces', async () => {
    const body = demoLogin.body as KeystoneTokenBody & { issued_at?: string };
    const lifetime = Date.parse(body.expires_at) - Date.parse(body.issued_at!);
    expect(lifetime).toBeGreaterThan(30 * 60_000);

    // a margin a quarter of an hour short of the lifetime: the token is good for the whole test
    const steady = recording();
    const { driver, container } = keystoneDriver({}, { fetch: steady.fetch, tokenRefreshMarginMs: lifetime - 15 * 60_000 });
    await driver.put('x', Buffer.from('1'));
    await driver.head('x');
    expect((await readAll(await driver.get('x'))).toString()).toBe('1');
    expect(steady.logins).toHaveLength(1);
    expect(steady.swift.every((call) => call.token === steady.logins[0]!.subjectToken)).toBe(true);

    // a margin longer than the lifetime: each token is still used for half its life (on the
    // driver's clock), then renewed ahead of its expiry, never after a 401
    let now = Date.now();
    const renewing = recording();
    const eager = keystoneDriver({}, { container, fetch: renewing.fetch, tokenRefreshMarginMs: lifetime + 15 * 60_000, clock: () => now }).driver;
    await eager.put('y', Buffer.from('2'));
    await eager.head('y');
    expect(renewing.logins).toHaveLength(1);
    now += lifetime / 2 - 60_000;
    await eager.head('y');
    expect(renewing.logins).toHaveLength(1);
    now += 120_000;
    await eager.head('y');
    expect(renewing.logins).toHaveLength(2);
    const [first, second] = renewing.logins.map((login) => login.subjectToken);
    expect(renewing.swift.map((call) => call.token)).toEqual([...renewing.swift.slice(0, -1).map(() => first), second]);
    expect(renewing.swift.some((call) => call.status === 401)).toBe(false);
  });
});
