/**
 * The Swift bank driver logging in with Keystone v3, against the real Keystone of
 * `scripts/keystone-up.sh` (python3-keystone, Fernet tokens) and its second Swift proxy (port
 * 8081, the same storage, keystonemiddleware authtoken + Swift keystoneauth), which Keystone's
 * catalog lists as the object-store. The driver logs in as demo, finds its account
 * (`AUTH_<demo project id>`) in the catalog, and its objects are checked there with raw
 * requests; region and interface selection runs against an extra object-store service this
 * file registers in a region of its own (removed afterwards); refused logins, revoked tokens
 * (revoked through Keystone's API) and the announced expiry are Keystone's own. Nothing is
 * faked: the fetch some tests give the driver only passes requests through and records them
 * (and, in the revocation test, revokes the first token Keystone issues before the driver uses
 * it, since authtoken caches a token it already validated). The file fails (never skips) when
 * Keystone or Swift does not answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { readAll } from '../../src/bank/internal/body.js';
import { createSwiftDriver, type SwiftDriverOptions, type SwiftKeystoneAuthOptions } from '../../src/bank/drivers/swift.js';
import { keystoneAuthBody, storageUrlFromCatalog } from '../../src/bank/drivers/swift-auth.js';
import { MiB, chunked, codeOf, md5 } from '../helpers/driver-bytes.js';
import { keystoneLogin, registerKeystoneService, requireKeystone, type KeystoneLogin, type KeystoneTokenBody } from '../helpers/keystone.js';
import { purgeSwiftContainers, requireSwift, uniqueName } from '../helpers/services.js';

/** The tempauth Swift of `scripts/swift-up.sh` (the same storage, another account). */
const swift = await requireSwift();
const keystone = await requireKeystone();
/** A demo login of the tests' own: the project id, the token lifetime and a token for raw requests. */
const demoLogin = await keystoneLogin(keystone, keystone.demo);

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
    expect((await fetch(`${swift.storageUrl}/${container}`, { method: 'HEAD', headers: { 'X-Auth-Token': swift.token } })).status).toBe(404);

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

    // a ten-minute margin (under half the lifetime): the token serves until ten minutes before
    // its expiry on the driver's clock, then a new one is fetched before the next request
    let steadyNow = Date.now();
    const steady = recording();
    const { driver, container } = keystoneDriver({}, { fetch: steady.fetch, tokenRefreshMarginMs: 10 * 60_000, clock: () => steadyNow });
    await driver.put('x', Buffer.from('1'));
    await driver.head('x');
    steadyNow += lifetime - 11 * 60_000;
    expect((await readAll(await driver.get('x'))).toString()).toBe('1');
    expect(steady.logins).toHaveLength(1);
    expect(steady.swift.every((call) => call.token === steady.logins[0]!.subjectToken)).toBe(true);
    steadyNow += 2 * 60_000;
    await driver.head('x');
    expect(steady.logins).toHaveLength(2);
    expect(steady.swift.at(-1)!.token).toBe(steady.logins[1]!.subjectToken);

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
