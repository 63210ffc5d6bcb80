/**
 * The Keystone v3 session against a Keystone TEST DOUBLE: no Keystone runs on these machines,
 * so this file starts a small local HTTP server (`startKeystoneDouble`) that answers
 * `POST /v3/auth/tokens` the way Keystone does (`X-Subject-Token`, a token body with expiry,
 * user, project, roles and a catalog) and serves one protected resource that checks the token
 * it was sent, so expiry, revocation and renewal can be exercised end to end. The Glance and
 * Cinder clients then run over the session's endpoints.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { isFrameworkError } from '../../src/core/errors.js';
import { CinderClient, GlanceClient, KeystoneSession, findEndpoint, keystoneAuthBody, type CatalogEntry } from '../../src/clients/index.js';

const PROJECT = '5f1e2d3c4b5a69788796a5b4c3d2e1f0';

/** State of the Keystone test double. */
interface KeystoneDouble {
  url: string;
  /** Every auth request body, in order. */
  readonly authBodies: unknown[];
  /** Tokens the double accepts. */
  readonly valid: Set<string>;
  /** Token lifetime the double announces (ms). */
  ttlMs: number;
  /** Make the next auth requests fail with this status. */
  failWith: number[];
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function readBody(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Starts the Keystone test double (see the file comment). */
async function startKeystoneDouble(): Promise<KeystoneDouble> {
  let issued = 0;
  let base = '';
  const state: KeystoneDouble = { url: '', authBodies: [], valid: new Set(), ttlMs: 3_600_000, failWith: [] };
  const catalog = (): CatalogEntry[] => [
    {
      type: 'image',
      name: 'glance',
      endpoints: [
        { interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/image/` },
        { interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: `${base}/image-internal` },
        { interface: 'public', region_id: 'RegionTwo', region: 'RegionTwo', url: `${base}/image-two` },
      ],
    },
    { type: 'volumev3', name: 'cinderv3', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/volume/v3/${PROJECT}` }] },
    { type: 'identity', name: 'keystone', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${base}/v3` }] },
  ];
  const server = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      if (request.method === 'POST' && path === '/v3/auth/tokens') {
        const body = (await readBody(request)) as ReturnType<typeof keystoneAuthBody> & { auth: { identity: { password?: { user: { password: string } } } } };
        state.authBodies.push(body);
        const status = state.failWith.shift();
        if (status !== undefined) return json(response, status, { error: { code: status, message: `double says ${status}`, title: 'Error' } });
        const password = body.auth.identity.password?.user.password;
        if (password !== undefined && password !== 'right') {
          return json(response, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
        }
        issued += 1;
        const id = `token-${issued}`;
        state.valid.add(id);
        return json(
          response,
          201,
          {
            token: {
              methods: ['password'],
              expires_at: new Date(Date.now() + state.ttlMs).toISOString(),
              user: { id: 'user-1', name: 'karbor', domain: { id: 'default', name: 'Default' } },
              project: { id: PROJECT, name: 'backup', domain: { id: 'default', name: 'Default' } },
              roles: [{ id: 'r1', name: 'admin' }, { id: 'r2', name: 'member' }],
              catalog: catalog(),
            },
          },
          { 'X-Subject-Token': id },
        );
      }
      // the protected resources: a Glance-like image and a Cinder-like volume
      const token = String(request.headers['x-auth-token'] ?? '');
      if (!state.valid.has(token)) return json(response, 401, { error: { code: 401, message: 'invalid token' } });
      if (path.startsWith('/image/v2/images/')) return json(response, 200, { id: path.split('/').pop(), status: 'active', seenToken: token });
      if (path.startsWith('/image-two/v2/images/')) return json(response, 200, { id: path.split('/').pop(), status: 'active', region: 'two' });
      if (path.startsWith(`/volume/v3/${PROJECT}/volumes/`)) {
        return json(response, 200, { volume: { id: path.split('/').pop(), status: 'available', microversion: request.headers['openstack-api-version'] } });
      }
      return json(response, 404, { error: { code: 404, message: `no ${path}` } });
    })();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = `${base}/v3`;
  return state;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (!isFrameworkError(error)) throw error;
    return { code: error.code, message: error.message, details: { ...error.details } };
  }
  throw new Error('expected the call to fail');
}

const keystone = await startKeystoneDouble();
const passwordAuth = { method: 'password', username: 'karbor', password: 'right', userDomainName: 'Default' } as const;

describe('KeystoneSession (against the Keystone test double)', () => {
  it('authenticates with a password and a project scope, and parses the token', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, scope: { projectName: 'backup', projectDomainName: 'Default' } });
    const token = await session.token();
    expect(token.id).toMatch(/^token-\d+$/u);
    expect(token).toMatchObject({ userId: 'user-1', projectId: PROJECT, projectName: 'backup', roles: ['admin', 'member'] });
    expect(token.expiresAt).toBeGreaterThan(Date.now());
    expect(keystone.authBodies.at(-1)).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'karbor', domain: { name: 'Default' }, password: 'right' } } },
        scope: { project: { name: 'backup', domain: { name: 'Default' } } },
      },
    });
    expect(await session.token()).toBe(token); // cached
  });

  it('appends /v3 to the auth URL when missing, and builds token and application-credential bodies', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url.replace(/\/v3$/u, '/'), auth: { method: 'token', token: 'token-1' }, scope: { projectId: PROJECT } });
    await session.token();
    expect(keystone.authBodies.at(-1)).toEqual({ auth: { identity: { methods: ['token'], token: { id: 'token-1' } }, scope: { project: { id: PROJECT } } } });
    expect(keystoneAuthBody({ method: 'application_credential', id: 'ac', secret: 's' })).toEqual({
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'ac', secret: 's' } } },
    });
    expect(keystoneAuthBody({ method: 'password', userId: 'u', password: 'p' }, { system: 'all' })).toEqual({
      auth: { identity: { methods: ['password'], password: { user: { id: 'u', password: 'p' } } }, scope: { system: { all: true } } },
    });
  });

  it('shares one authentication among concurrent callers', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth });
    const before = keystone.authBodies.length;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => session.token()));
    expect(new Set(tokens.map((token) => token.id)).size).toBe(1);
    expect(keystone.authBodies.length - before).toBe(1);
  });

  it('renews the token ahead of its expiry', async () => {
    let now = Date.now();
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, refreshMarginMs: 60_000, now: () => now });
    const first = await session.token();
    now += 3_600_000 - 120_000; // two minutes before expiry: still fine
    expect((await session.token()).id).toBe(first.id);
    now += 90_000; // 30 s before expiry, inside the margin
    const second = await session.token();
    expect(second.id).not.toBe(first.id);
  });

  it('looks endpoints up by type, alias, region and interface', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, region: 'RegionOne' });
    const base = keystone.url.replace(/\/v3$/u, '');
    expect(await session.endpointUrl({ type: 'image' })).toBe(`${base}/image`);
    expect(await session.endpointUrl({ type: 'image', interface: 'internal' })).toBe(`${base}/image-internal`);
    expect(await session.endpointUrl({ type: 'image', region: 'RegionTwo' })).toBe(`${base}/image-two`);
    expect(await session.endpointUrl({ type: 'block-storage' })).toBe(`${base}/volume/v3/${PROJECT}`);
    const missing = await failure(session.endpointUrl({ type: 'object-store' }));
    expect(missing.code).toBe('KTS_ERR_NOT_FOUND');
    expect(missing.message).toBe('The Keystone catalog has no object-store endpoint with interface "public" in region "RegionOne"');
    expect(missing.details.catalogTypes).toEqual(['image', 'volumev3', 'identity']);
    const catalog = (await session.token()).catalog;
    expect(findEndpoint(catalog, ['volume', 'volumev3'], 'public', 'RegionOne')).toBe(`${base}/volume/v3/${PROJECT}`);
    expect(findEndpoint(catalog, 'image', 'admin')).toBeUndefined();
  });

  it('gives the Glance and Cinder clients endpoints with X-Auth-Token, renewing the token after a 401', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, region: 'RegionOne' });
    const glance = new GlanceClient({ endpoint: session.endpoint({ type: 'image' }) });
    const first = await glance.getImage('img-1');
    expect(first.seenToken).toBe((await session.token()).id);

    keystone.valid.delete(String(first.seenToken)); // revoked: the service answers 401
    const before = keystone.authBodies.length;
    const second = await glance.getImage('img-1');
    expect(second.seenToken).not.toBe(first.seenToken);
    expect(keystone.authBodies.length - before).toBe(1);

    const cinder = new CinderClient({ endpoint: session.endpoint({ type: 'block-storage' }), microversion: '3.60' });
    expect(await cinder.getVolume('vol-1')).toMatchObject({ id: 'vol-1', status: 'available', microversion: 'volume 3.60' });

    const two = new GlanceClient({ endpoint: session.endpoint({ type: 'image', region: 'RegionTwo' }) });
    expect((await two.getImage('img-2')).region).toBe('two');
  });

  it('maps refused credentials to AuthenticationError', async () => {
    const session = new KeystoneSession({ authUrl: keystone.url, auth: { ...passwordAuth, password: 'wrong' } });
    const error = await failure(session.token());
    expect(error.code).toBe('KTS_ERR_UNAUTHORIZED');
    expect(error.message).toContain('Keystone refused the credentials');
    expect(error.message).toContain('The request you have made requires authentication.');
  });

  it('retries Keystone 5xx answers, and maps Keystone being down to KTS_ERR_AUTH_BACKEND', async () => {
    keystone.failWith.push(503);
    const session = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, retry: { retries: 2, baseDelayMs: 10 } });
    expect((await session.token()).id).toMatch(/^token-/u);

    keystone.failWith.push(500, 500, 500);
    const failing = new KeystoneSession({ authUrl: keystone.url, auth: passwordAuth, retry: { retries: 2, baseDelayMs: 10 } });
    const error = await failure(failing.token());
    expect(error.code).toBe('KTS_ERR_AUTH_BACKEND');
    expect(error.details).toMatchObject({ service: 'Keystone', status: 500, attempts: 3 });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = new KeystoneSession({ authUrl: `http://127.0.0.1:${port}/v3`, auth: passwordAuth, retry: { retries: 1, baseDelayMs: 10 } });
    const unreachable = await failure(down.token());
    expect(unreachable.code).toBe('KTS_ERR_AUTH_BACKEND');
    expect(unreachable.details.errno).toBe('ECONNREFUSED');
  });
});
