/**
 * The Keystone v3 session against the REAL Keystone of `scripts/keystone-up.sh` (Fernet tokens;
 * `requireKeystone` fails the file when it is down): real password, token and
 * application-credential logins, project-, system- and unscoped tokens, the real catalog
 * (identity and object-store in RegionOne, plus image and volumev3 services this file registers
 * in regions of its own and deletes afterwards), a real 401 for a wrong password, and a token
 * revoked in Keystone (`DELETE /v3/auth/tokens`) that the real Swift behind Keystone refuses,
 * after which the session renews it.
 *
 * The Glance and Cinder of the other tests run without Keystone (trusted headers, noauth) and
 * never look at a Keystone token, so the session's renewal after a 401 runs over the
 * object-store endpoint instead (real Swift validating the token with Keystone), with the
 * {@link HttpClient} the Glance and Cinder clients are built on; those two clients are only
 * checked to take their URLs from the session's catalog.
 *
 * Requests go through a thin forwarding proxy (`test/helpers/keystone-fault-proxy.ts`) that
 * counts them (one login shared by concurrent callers, a cached token) and, in the retry test
 * only, injects what a real Keystone cannot be made to do on demand: a 503 / 500 answer and a
 * dropped connection. Everything else is the real Keystone's answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { CinderClient, GlanceClient, HttpClient, KeystoneSession, findEndpoint, keystoneAuthBody, type KeystoneAuth } from '../../src/clients/index.js';
import { startKeystoneProxy } from '../helpers/keystone-fault-proxy.js';
import { keystoneLogin, registerKeystoneService, requireKeystone } from '../helpers/keystone.js';
import { uniqueName } from '../helpers/services.js';

const keystone = await requireKeystone();
const proxy = await startKeystoneProxy(keystone.authUrl);
/** Reference logins, straight to Keystone: the ids and roles the session must report. */
const demo = await keystoneLogin(keystone, keystone.demo);
const admin = await keystoneLogin(keystone, keystone.admin);
const demoProject = demo.body.project!.id;

const demoAuth: KeystoneAuth = { method: 'password', username: 'demo', password: keystone.demo.password, userDomainName: 'Default' };
const demoScope = { projectName: 'demo', projectDomainName: 'Default' } as const;

const glanceUrl = (process.env.KARBOR_TEST_GLANCE_URL || 'http://127.0.0.1:9292').replace(/\/+$/u, '');
const cinderUrl = (process.env.KARBOR_TEST_CINDER_URL || 'http://127.0.0.1:8776').replace(/\/+$/u, '');
/** This file's own regions: `region` holds an image (public and internal) and a volumev3 service, `otherRegion` another image service. */
const region = uniqueName('kts-session');
const otherRegion = uniqueName('kts-session-two');
const cleanups: (() => Promise<void>)[] = [];

/** One request to the real Keystone with `token`; answers the status and the parsed body. */
async function keystoneCall(token: string, method: string, path: string, options: { body?: unknown; subject?: string } = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${keystone.authUrl}${path}`, {
    method,
    headers: {
      'X-Auth-Token': token,
      ...(options.subject === undefined ? {} : { 'X-Subject-Token': options.subject }),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  // volumev3 in `region` (creates the region), then an image service there with distinct public and internal URLs
  cleanups.push(await registerKeystoneService(keystone, 'volumev3', region, `${cinderUrl}/v3/$(project_id)s`));
  const image = await keystoneCall(admin.token, 'POST', '/services', { body: { service: { type: 'image', name: region } } });
  expect(image.status).toBe(201);
  cleanups.unshift(async () => expect((await keystoneCall(admin.token, 'DELETE', `/services/${image.body.service.id}`)).status).toBe(204));
  for (const [face, url] of [['public', `${glanceUrl}/v2/`], ['internal', `${glanceUrl}/internal`]] as const) {
    const made = await keystoneCall(admin.token, 'POST', '/endpoints', { body: { endpoint: { service_id: image.body.service.id, interface: face, url, region_id: region } } });
    expect(made.status).toBe(201);
  }
  cleanups.push(await registerKeystoneService(keystone, 'image', otherRegion, `${glanceUrl}/two`));
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await proxy.close();
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (!isFrameworkError(error)) throw error;
    return { code: error.code, message: error.message, details: { ...error.details } };
  }
  throw new Error('expected the call to fail');
}

const sorted = (names: readonly string[]): string[] => [...names].sort();
const roleNames = (body: typeof demo.body): string[] => sorted((body.roles ?? []).map((role) => role.name));
const lastBody = (): unknown => proxy.exchanges.at(-1)?.body;

// Keystone answers one request at a time, shared with the other test files: a generous timeout, no timing asserted
describe('KeystoneSession (against the real Keystone)', { timeout: 60_000 }, () => {
  it('authenticates with a password and a project scope, and parses the real token', async () => {
    const before = proxy.count('POST');
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope });
    const token = await session.token();
    expect(token.id).not.toBe(demo.token);
    const validated = await keystoneCall(admin.token, 'GET', '/auth/tokens', { subject: token.id }); // Keystone knows it
    expect(validated.status).toBe(200);
    expect(validated.body.token.project.id).toBe(demoProject);
    expect(token).toMatchObject({ userId: demo.body.user.id, projectId: demoProject, projectName: 'demo' });
    expect(sorted(token.roles)).toEqual(roleNames(demo.body));
    expect(token.roles).toContain('member');
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    expect(lastBody()).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: keystone.demo.password } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
    expect(await session.token()).toBe(token); // cached
    expect(proxy.count('POST') - before).toBe(1);
  });

  it('gets an unscoped token without a scope: no project, no roles, an empty catalog', async () => {
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth });
    const token = await session.token();
    expect(token.userId).toBe(demo.body.user.id);
    expect(token.projectId).toBeUndefined();
    expect(token.roles).toEqual([]);
    expect(token.catalog).toEqual([]);
    const missing = await failure(session.endpointUrl({ type: 'identity' }));
    expect(missing.code).toBe('KTS_ERR_NOT_FOUND');
    expect(missing.details.catalogTypes).toEqual([]);
  });

  it('appends /v3 to the auth URL when missing, and logs in with a token and with an application credential', async () => {
    const unscoped = await new KeystoneSession({ authUrl: proxy.url, auth: demoAuth }).token();
    const rescoped = new KeystoneSession({ authUrl: `${proxy.origin}/`, auth: { method: 'token', token: unscoped.id }, scope: { projectId: demoProject } });
    const token = await rescoped.token();
    expect(proxy.exchanges.at(-1)).toMatchObject({ method: 'POST', path: '/v3/auth/tokens', status: 201 });
    expect(lastBody()).toEqual({ auth: { identity: { methods: ['token'], token: { id: unscoped.id } }, scope: { project: { id: demoProject } } } });
    expect(token).toMatchObject({ userId: demo.body.user.id, projectId: demoProject, projectName: 'demo' });

    // a real application credential of demo's (it carries its own project scope)
    const made = await keystoneCall(demo.token, 'POST', `/users/${demo.body.user.id}/application_credentials`, { body: { application_credential: { name: uniqueName('kts-appcred') } } });
    expect(made.status).toBe(201);
    const { id, secret } = made.body.application_credential as { id: string; secret: string };
    try {
      const session = new KeystoneSession({ authUrl: proxy.url, auth: { method: 'application_credential', id, secret } });
      const fromCredential = await session.token();
      expect(lastBody()).toEqual({ auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } } });
      expect(fromCredential).toMatchObject({ userId: demo.body.user.id, projectId: demoProject });
      expect(fromCredential.roles).toContain('member');
    } finally {
      expect((await keystoneCall(demo.token, 'DELETE', `/users/${demo.body.user.id}/application_credentials/${id}`)).status).toBe(204);
    }
    expect(keystoneAuthBody({ method: 'application_credential', id: 'ac', secret: 's' })).toEqual({
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac', secret: 's' } } },
    });
  });

  it('logs in by user id with a system scope: admin roles, no project', async () => {
    expect(keystoneAuthBody({ method: 'password', userId: 'u', password: 'p' }, { system: 'all' })).toEqual({
      auth: { identity: { methods: ['password'], password: { user: { id: 'u', password: 'p' } } }, scope: { system: { all: true } } },
    });
    const session = new KeystoneSession({ authUrl: proxy.url, auth: { method: 'password', userId: admin.body.user.id, password: keystone.admin.password }, scope: { system: 'all' } });
    const token = await session.token();
    expect(lastBody()).toEqual({ auth: { identity: { methods: ['password'], password: { user: { id: admin.body.user.id, password: keystone.admin.password } } }, scope: { system: { all: true } } } });
    expect(token.userId).toBe(admin.body.user.id);
    expect(token.projectId).toBeUndefined();
    expect(token.roles).toContain('admin');
  });

  it('shares one authentication among concurrent callers', async () => {
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope });
    const before = proxy.count('POST');
    const tokens = await Promise.all(Array.from({ length: 5 }, () => session.token()));
    expect(new Set(tokens.map((token) => token.id)).size).toBe(1);
    expect(proxy.count('POST') - before).toBe(1);
  });

  it('renews the token ahead of its expiry (on its own clock, against the real expires_at)', async () => {
    let now = Date.now();
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, refreshMarginMs: 60_000, now: () => now });
    const before = proxy.count('POST');
    const first = await session.token();
    expect(first.expiresAt).toBeDefined();
    now = first.expiresAt! - 120_000; // two minutes before expiry: still fine
    expect((await session.token()).id).toBe(first.id);
    now = first.expiresAt! - 30_000; // 30 s before expiry, inside the margin
    const second = await session.token();
    expect(second.id).not.toBe(first.id);
    expect(second.projectId).toBe(demoProject);
    expect(await session.renew(first.id)).toBe(second); // already replaced: no new login
    expect(proxy.count('POST') - before).toBe(2);
  });

  it('uses a token for half its lifetime when the margin is longer than the lifetime', async () => {
    let now = Date.now();
    // Keystone's tokens here live an hour: a ten-hour margin would renew on every call.
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, refreshMarginMs: 10 * 3_600_000, now: () => now });
    const before = proxy.count('POST');
    const first = await session.token();
    const lifetime = first.expiresAt! - now;
    expect(lifetime).toBeGreaterThan(60_000);
    expect((await session.token()).id).toBe(first.id);
    now += lifetime / 2 - 1_000; // just before the middle of its life: still used
    expect((await session.token()).id).toBe(first.id);
    expect(proxy.count('POST') - before).toBe(1);
    now += 2_000; // just past it: renewed
    expect((await session.token()).id).not.toBe(first.id);
    expect(proxy.count('POST') - before).toBe(2);
  });

  it('looks endpoints up in the real catalog by type, alias, region and interface', async () => {
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, region });
    expect(await session.endpointUrl({ type: 'image' })).toBe(`${glanceUrl}/v2`);
    expect(await session.endpointUrl({ type: 'image', interface: 'internal' })).toBe(`${glanceUrl}/internal`);
    expect(await session.endpointUrl({ type: 'image', region: otherRegion })).toBe(`${glanceUrl}/two`);
    expect(await session.endpointUrl({ type: 'block-storage' })).toBe(`${cinderUrl}/v3/${demoProject}`); // Keystone filled in $(project_id)s
    expect(await session.endpointUrl({ type: 'identity', region: 'RegionOne' })).toBe(keystone.authUrl);
    expect(await session.endpointUrl({ type: 'object-store', region: 'RegionOne' })).toBe(`${keystone.swiftUrl}/v1/AUTH_${demoProject}`);

    const absent = uniqueName('kts-absent');
    const missing = await failure(session.endpointUrl({ type: absent }));
    expect(missing.code).toBe('KTS_ERR_NOT_FOUND');
    expect(missing.message).toBe(`The Keystone catalog has no ${absent} endpoint with interface "public" in region "${region}"`);
    expect(missing.details.catalogTypes).toEqual(expect.arrayContaining(['identity', 'object-store', 'image', 'volumev3']));

    const catalog = (await session.token()).catalog;
    expect(findEndpoint(catalog, ['volume', 'volumev3'], 'public', region)).toBe(`${cinderUrl}/v3/${demoProject}`);
    expect(findEndpoint(catalog, 'image', 'admin', region)).toBeUndefined(); // registered public and internal only
    expect(findEndpoint(catalog, 'identity', 'public', 'RegionOne')).toBe(keystone.authUrl);
    expect(findEndpoint(catalog, 'object-store', 'internal', 'RegionOne')).toBe(`${keystone.swiftUrl}/v1/AUTH_${demoProject}`);

    // the Glance client drops the /v2 of the catalog's URL; the Cinder client keeps the project path
    expect(await new GlanceClient({ endpoint: session.endpoint({ type: 'image' }) }).http.baseUrl()).toBe(glanceUrl);
    expect(await new CinderClient({ endpoint: session.endpoint({ type: 'block-storage' }) }).http.baseUrl()).toBe(`${cinderUrl}/v3/${demoProject}`);
  });

  it('gives a client the object-store endpoint with X-Auth-Token, and renews a revoked token after Swift answers 401', async () => {
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, region: 'RegionOne' });
    const swift = new HttpClient({ service: 'Swift', endpoint: session.endpoint({ type: 'object-store' }), retry: { retries: 0 } });
    const container = uniqueName('kts-session');
    const stale = await session.token();
    // revoke it in Keystone before Swift ever saw it (Swift's token cache would otherwise keep it)
    expect((await keystoneCall(stale.id, 'DELETE', '/auth/tokens', { subject: stale.id })).status).toBe(204);
    expect((await keystoneCall(admin.token, 'GET', '/auth/tokens', { subject: stale.id })).status).toBe(404);

    const before = proxy.count('POST');
    try {
      expect((await swift.send({ method: 'PUT', path: `/${container}` })).status).toBe(201); // 401, renewal, then created
      expect(proxy.count('POST') - before).toBe(1);
      const fresh = await session.token();
      expect(fresh.id).not.toBe(stale.id);

      await swift.send({ method: 'PUT', path: `/${container}/hello.txt`, body: 'hello through keystone', headers: { 'Content-Type': 'text/plain' } });
      expect(await (await swift.stream({ method: 'GET', path: `/${container}/hello.txt` })).text()).toBe('hello through keystone');
      // the same object, read with another real demo token straight from the catalog's URL
      const direct = await fetch(`${keystone.swiftUrl}/v1/AUTH_${demoProject}/${container}/hello.txt`, { headers: { 'X-Auth-Token': demo.token } });
      expect(await direct.text()).toBe('hello through keystone');
      expect(proxy.count('POST') - before).toBe(1);
    } finally {
      await swift.send({ method: 'DELETE', path: `/${container}/hello.txt` }).catch(() => undefined);
      await swift.send({ method: 'DELETE', path: `/${container}` }).catch(() => undefined);
    }
  });

  it('maps refused credentials (a real 401) to AuthenticationError', async () => {
    const session = new KeystoneSession({ authUrl: proxy.url, auth: { ...demoAuth, password: 'wrong' }, scope: demoScope });
    const error = await failure(session.token());
    expect(error.code).toBe('KTS_ERR_UNAUTHORIZED');
    expect(error.message).toContain('Keystone refused the credentials');
    expect(error.message).toContain('The request you have made requires authentication.');
    expect(error.details.status).toBe(401);
    expect(proxy.exchanges.at(-1)).toMatchObject({ method: 'POST', status: 401 });
  });

  it('retries injected 5xx answers and a dropped connection, and maps Keystone being down to KTS_ERR_AUTH_BACKEND', async () => {
    const isLogin = (request: { method: string }): boolean => request.method === 'POST';
    proxy.inject({ status: 503 }, { when: isLogin });
    proxy.inject({ drop: true }, { when: isLogin });
    let before = proxy.count('POST');
    const session = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, retry: { retries: 2, baseDelayMs: 10 } });
    expect((await session.token()).projectId).toBe(demoProject); // the third attempt reached Keystone
    expect(proxy.exchanges.slice(-3).map((exchange) => exchange.status)).toEqual([503, 0, 201]);
    expect(proxy.count('POST') - before).toBe(3);

    proxy.inject({ status: 500 }, { when: isLogin, times: 3 });
    before = proxy.count('POST');
    const failing = new KeystoneSession({ authUrl: proxy.url, auth: demoAuth, scope: demoScope, retry: { retries: 2, baseDelayMs: 10 } });
    const error = await failure(failing.token());
    expect(error.code).toBe('KTS_ERR_AUTH_BACKEND');
    expect(error.details).toMatchObject({ service: 'Keystone', status: 500, attempts: 3 });
    expect(proxy.count('POST') - before).toBe(3);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = new KeystoneSession({ authUrl: `http://127.0.0.1:${port}/v3`, auth: demoAuth, retry: { retries: 1, baseDelayMs: 10 } });
    const unreachable = await failure(down.token());
    expect(unreachable.code).toBe('KTS_ERR_AUTH_BACKEND');
    expect(unreachable.details.errno).toBe('ECONNREFUSED');

    // A server that takes the connection and never answers: as unavailable as one that is down.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const hanging = new KeystoneSession({ authUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v3`, auth: demoAuth, timeoutMs: 200, retry: { retries: 0 } });
      const timedOut = await failure(hanging.token());
      expect(timedOut.code).toBe('KTS_ERR_AUTH_BACKEND');
      expect(timedOut.message).toContain('did not answer');
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

