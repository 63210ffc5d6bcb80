/**
 * Authenticators: the tokens table, and Keystone v3 token validation.
 *
 * Keystone does not run in this project's test environment, so the Keystone tests use a
 * **test double**: a minimal identity server on 127.0.0.1 that implements the two calls the
 * authenticator makes (`POST /v3/auth/tokens` for the service token, `GET /v3/auth/tokens`
 * with `X-Subject-Token` to validate), with the response shapes of the Keystone v3 API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeystoneAuthenticator, createTokenTable } from '../../src/http/index.js';
import { PROJECT_A, startHttpService } from '../helpers/http-service.js';

describe('createTokenTable', () => {
  it('knows its tokens, forgets revoked ones and ignores expired ones', async () => {
    const table = createTokenTable([{ token: 'a-token-of-16-chars', userId: 'u', projectId: 'p', roles: ['member'] }]);
    expect(await table.authenticate('a-token-of-16-chars')).toEqual({ userId: 'u', projectId: 'p', roles: ['member'] });
    expect(await table.authenticate('a-token-of-16-charz')).toBeUndefined();
    table.add({ token: 'expired-token-0000', userId: 'v', projectId: 'p', roles: [], expiresAt: Date.now() - 1 });
    expect(await table.authenticate('expired-token-0000')).toBeUndefined();
    expect(table.revoke('a-token-of-16-chars')).toBe(true);
    expect(await table.authenticate('a-token-of-16-chars')).toBeUndefined();
  });

  it('refuses short tokens and entries without a project', () => {
    expect(() => createTokenTable([{ token: 'short', userId: 'u', projectId: 'p', roles: [] }])).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    expect(() => createTokenTable([{ token: 'long-enough-token-1', userId: 'u', projectId: '', roles: [] }])).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });
});

/** The Keystone double: users' tokens, a service login, counters for what was asked. */
const keystone = {
  server: undefined as Server | undefined,
  url: '',
  logins: 0,
  validations: 0,
  serviceTokens: new Set<string>(),
  failNext: 0,
  subjects: new Map<string, { project?: string; roles: string[]; expires: string }>(),
};

beforeAll(async () => {
  keystone.server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (keystone.failNext > 0) {
        keystone.failNext--;
        res.writeHead(503).end();
        return;
      }
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        const auth = JSON.parse(body).auth;
        if (auth.identity.password.user.name !== 'karbor' || auth.identity.password.user.password !== 'secret') {
          res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error": {"code": 401}}');
          return;
        }
        keystone.logins++;
        const token = `service-${keystone.logins}`;
        keystone.serviceTokens.add(token);
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': token }).end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3_600_000).toISOString() } }));
        return;
      }
      if (req.method === 'GET' && req.url === '/v3/auth/tokens') {
        keystone.validations++;
        if (!keystone.serviceTokens.has(String(req.headers['x-auth-token']))) {
          res.writeHead(401).end();
          return;
        }
        const subject = keystone.subjects.get(String(req.headers['x-subject-token']));
        if (!subject) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            token: {
              expires_at: subject.expires,
              user: { id: 'user-1', name: 'alice' },
              ...(subject.project ? { project: { id: subject.project, name: 'demo' } } : {}),
              roles: subject.roles.map((name) => ({ id: name, name })),
            },
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => keystone.server!.listen(0, '127.0.0.1', resolve));
  keystone.url = `http://127.0.0.1:${(keystone.server!.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => keystone.server!.close(() => resolve())));

const options = () => ({ authUrl: keystone.url, username: 'karbor', password: 'secret', projectName: 'service', cacheTtlMs: 60_000 });
const future = () => new Date(Date.now() + 3_600_000).toISOString();

describe('createKeystoneAuthenticator (against a Keystone test double)', () => {
  it('validates a project-scoped token into user, project and roles, and caches it', async () => {
    keystone.subjects.set('user-token-1', { project: 'proj-1', roles: ['member', 'reader'], expires: future() });
    const auth = createKeystoneAuthenticator(options());
    const before = keystone.validations;
    const identity = await auth.authenticate('user-token-1');
    expect(identity).toMatchObject({ userId: 'user-1', projectId: 'proj-1', roles: ['member', 'reader'] });
    expect(identity!.expiresAt).toBeGreaterThan(Date.now());
    await auth.authenticate('user-token-1');
    expect(keystone.validations - before).toBe(1);
  });

  it('answers undefined for unknown, unscoped and expired tokens', async () => {
    keystone.subjects.set('unscoped', { roles: [], expires: future() });
    keystone.subjects.set('expired', { project: 'p', roles: [], expires: new Date(Date.now() - 1000).toISOString() });
    const auth = createKeystoneAuthenticator(options());
    expect(await auth.authenticate('never-issued')).toBeUndefined();
    expect(await auth.authenticate('unscoped')).toBeUndefined();
    expect(await auth.authenticate('expired')).toBeUndefined();
  });

  it('logs in again when its service token is refused', async () => {
    keystone.subjects.set('user-token-2', { project: 'proj-2', roles: ['member'], expires: future() });
    const auth = createKeystoneAuthenticator({ ...options(), cacheTtlMs: 0 });
    await auth.authenticate('user-token-2');
    const logins = keystone.logins;
    keystone.serviceTokens.clear();
    expect(await auth.authenticate('user-token-2')).toMatchObject({ projectId: 'proj-2' });
    expect(keystone.logins).toBe(logins + 1);
  });

  it('reports an unreachable or failing Keystone as KTS_ERR_AUTH_BACKEND, and bad service credentials too', async () => {
    keystone.subjects.set('user-token-3', { project: 'p', roles: [], expires: future() });
    const down = createKeystoneAuthenticator({ ...options(), authUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await expect(down.authenticate('user-token-3')).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND' });
    const failing = createKeystoneAuthenticator(options());
    keystone.failNext = 1;
    await expect(failing.authenticate('user-token-3')).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND' });
    expect(await failing.authenticate('user-token-3')).toMatchObject({ projectId: 'p' });
    const wrong = createKeystoneAuthenticator({ ...options(), password: 'wrong' });
    await expect(wrong.authenticate('user-token-3')).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND' });
  });

  it('refuses an authUrl that is not http(s)', () => {
    expect(() => createKeystoneAuthenticator({ ...options(), authUrl: 'keystone:5000' })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });
});

describe('the API with Keystone', () => {
  it('admits a Keystone token for its project, 401s an unknown one and 503s (no Retry-After) when Keystone is down', async () => {
    keystone.subjects.set('api-token', { project: PROJECT_A, roles: ['member'], expires: future() });
    const api = await startHttpService({ authenticator: createKeystoneAuthenticator(options()) });
    const down = await startHttpService({ authenticator: createKeystoneAuthenticator({ ...options(), authUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }) });
    try {
      expect((await api.request('GET', '/providers', { token: 'api-token' })).status).toBe(200);
      expect((await api.request('GET', '/providers', { token: 'unknown-token' })).status).toBe(401);
      const unavailable = await down.request('GET', '/providers', { token: 'api-token' });
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBeNull();
      expect(unavailable.body.serviceUnavailable.error_code).toBe('KTS_ERR_AUTH_BACKEND');
    } finally {
      await api.close();
      await down.close();
    }
  });
});
