/**
 * Authenticators: the tokens table, and Keystone v3 token validation against the REAL Keystone
 * of `scripts/keystone-up.sh` (`requireKeystone` fails the file when it is down). The
 * authenticator logs in as the real service user `karbor` and validates real users' tokens
 * (`GET /v3/auth/tokens` with `X-Subject-Token`): demo's project-scoped token (user, project and
 * roles as Keystone issued them), an unscoped one, one never issued, one revoked in Keystone
 * (`DELETE /v3/auth/tokens`), and its own service token revoked behind its back. A wrong service
 * password is a real 401; an unreachable Keystone is a closed port.
 *
 * Requests go through a thin forwarding proxy (`test/helpers/keystone-fault-proxy.ts`) that
 * counts them (the validation cache, the logins) and injects only what a real Keystone cannot be
 * made to do on demand: a 503 answer, and a validation answer announcing the token as already
 * expired (Keystone issues tokens for an hour and refuses expired ones itself). Everything else
 * is the real Keystone's answer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeystoneAuthenticator, createTokenTable } from '../../src/http/index.js';
import { startHttpService } from '../helpers/http-service.js';
import { startKeystoneProxy, type ProxiedExchange } from '../helpers/keystone-fault-proxy.js';
import { keystoneLogin, passwordAuthBody, requireKeystone, type KeystoneLogin } from '../helpers/keystone.js';

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

const keystone = await requireKeystone();
const proxy = await startKeystoneProxy(keystone.authUrl);
afterAll(() => proxy.close());

/** A fresh project-scoped token of demo's, straight from Keystone. */
const demoLogin = (): Promise<KeystoneLogin> => keystoneLogin(keystone, keystone.demo);
/** Revokes `token` in Keystone (the token revokes itself). */
async function revoke(token: string): Promise<void> {
  const response = await fetch(`${keystone.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  expect(response.status).toBe(204);
}
const sorted = (names: readonly string[]): string[] => [...names].sort();
const roleNames = (login: KeystoneLogin): string[] => sorted((login.body.roles ?? []).map((role) => role.name));
const validations = (): number => proxy.count('GET');
const logins = (): number => proxy.count('POST');
/** Matches the validation of `subject`. */
const validationOf = (subject: string) => (request: ProxiedExchange): boolean => request.method === 'GET' && request.headers['x-subject-token'] === subject;

// the proxy's root, without /v3: the authenticator appends it
const options = () => ({ authUrl: proxy.origin, username: keystone.service.username, password: keystone.service.password, projectName: keystone.service.projectName, cacheTtlMs: 60_000 });

// Keystone answers one request at a time, shared with the other test files: a generous timeout, no timing asserted
describe('createKeystoneAuthenticator (against the real Keystone)', { timeout: 60_000 }, () => {
  it('validates a project-scoped token into user, project and roles, and caches it', async () => {
    const demo = await demoLogin();
    const auth = createKeystoneAuthenticator(options());
    const before = validations();
    const identity = await auth.authenticate(demo.token);
    expect(identity).toEqual({ userId: demo.body.user.id, projectId: demo.body.project!.id, roles: expect.any(Array), expiresAt: Date.parse(demo.body.expires_at) });
    expect(sorted(identity!.roles)).toEqual(roleNames(demo));
    expect(identity!.roles).toContain('member');
    expect(await auth.authenticate(demo.token)).toEqual(identity);
    expect(validations() - before).toBe(1);
    // the service token went in X-Auth-Token, the user's in X-Subject-Token
    const validation = proxy.exchanges.findLast(validationOf(demo.token))!;
    expect(validation.status).toBe(200);
    expect(validation.headers['x-auth-token']).not.toBe(demo.token);
  });

  it('reports the roles of an admin token', async () => {
    const admin = await keystoneLogin(keystone, keystone.admin);
    const identity = await createKeystoneAuthenticator(options()).authenticate(admin.token);
    expect(identity).toMatchObject({ userId: admin.body.user.id, projectId: admin.body.project!.id });
    expect(sorted(identity!.roles)).toEqual(roleNames(admin));
    expect(identity!.roles).toContain('admin');
  });

  it('answers undefined for unknown, unscoped, revoked and expired tokens', async () => {
    const unscopedResponse = await fetch(`${keystone.authUrl}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(passwordAuthBody(keystone.demo, false)) });
    expect(unscopedResponse.status).toBe(201);
    const unscoped = unscopedResponse.headers.get('x-subject-token')!;
    await unscopedResponse.body?.cancel();
    const revoked = (await demoLogin()).token;
    await revoke(revoked);
    const expired = (await demoLogin()).token;
    proxy.inject({ expiresAt: new Date(Date.now() - 1000).toISOString() }, { when: validationOf(expired) });

    const auth = createKeystoneAuthenticator(options());
    expect(await auth.authenticate('never-issued')).toBeUndefined();
    expect(proxy.exchanges.at(-1)!.status).toBe(404);
    expect(await auth.authenticate(unscoped)).toBeUndefined();
    expect(proxy.exchanges.at(-1)!.status).toBe(200); // valid, but scoped to no project
    expect(await auth.authenticate(revoked)).toBeUndefined();
    expect(proxy.exchanges.at(-1)!.status).toBe(404);
    expect(await auth.authenticate(expired)).toBeUndefined();
    expect(proxy.exchanges.at(-1)!.status).toBe(200); // valid in Keystone, announced as expired by the proxy
  });

  it('refuses a token revoked after it was validated once the cache no longer holds it', async () => {
    const demo = await demoLogin();
    const auth = createKeystoneAuthenticator({ ...options(), cacheTtlMs: 0 });
    expect(await auth.authenticate(demo.token)).toMatchObject({ projectId: demo.body.project!.id });
    await revoke(demo.token);
    expect(await auth.authenticate(demo.token)).toBeUndefined();
  });

  it('logs in again, once, when its service token is refused', async () => {
    const users = await Promise.all([1, 2, 3, 4].map(() => demoLogin()));
    const auth = createKeystoneAuthenticator({ ...options(), cacheTtlMs: 0 });
    await auth.authenticate(users[0]!.token);
    const serviceToken = String(proxy.exchanges.findLast(validationOf(users[0]!.token))!.headers['x-auth-token']);
    await revoke(serviceToken); // Keystone now answers 401 to validations sent with it
    const before = logins();
    // Four users' checks at once meet the refused service token together: they share one new login.
    const identities = await Promise.all(users.map((user) => auth.authenticate(user.token)));
    for (const identity of identities) expect(identity).toMatchObject({ projectId: users[0]!.body.project!.id });
    expect(logins()).toBe(before + 1);
    for (const user of users) {
      // each check: refused with the old service token, then answered with the new one
      const checks = proxy.exchanges.filter(validationOf(user.token)).slice(-2);
      expect(checks.map((exchange) => [exchange.status, exchange.headers['x-auth-token'] === serviceToken])).toEqual([
        [401, true],
        [200, false],
      ]);
    }
  });

  it('checks a token once however many requests carry it at the same time', async () => {
    const demo = await demoLogin();
    const auth = createKeystoneAuthenticator({ ...options(), cacheTtlMs: 0 });
    await auth.authenticate(demo.token); // the service's login, out of the way
    const before = proxy.exchanges.filter(validationOf(demo.token)).length;
    const identities = await Promise.all([1, 2, 3, 4].map(() => auth.authenticate(demo.token)));
    for (const identity of identities) expect(identity).toMatchObject({ projectId: demo.body.project!.id });
    expect(proxy.exchanges.filter(validationOf(demo.token)).length - before).toBe(1);
  });

  it('reports an unreachable or failing Keystone as KTS_ERR_AUTH_BACKEND, and bad service credentials too', async () => {
    const demo = await demoLogin();
    const down = createKeystoneAuthenticator({ ...options(), authUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await expect(down.authenticate(demo.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND' });

    // A Keystone failing now and then: retried (the clients' backoff), the check goes through.
    const flaky = createKeystoneAuthenticator(options());
    proxy.inject({ status: 503 }); // the next request: the service login
    expect(await flaky.authenticate(demo.token)).toMatchObject({ projectId: demo.body.project!.id });
    expect(proxy.exchanges.slice(-3).map((exchange) => [exchange.method, exchange.status])).toEqual([
      ['POST', 503],
      ['POST', 201],
      ['GET', 200],
    ]);

    // Failing on every attempt: KTS_ERR_AUTH_BACKEND, naming what Keystone said; later checks work again.
    const failing = createKeystoneAuthenticator(options());
    proxy.inject({ status: 503 }, { times: 4 }); // the login and its three retries
    await expect(failing.authenticate(demo.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND', message: expect.stringContaining('HTTP 503') });
    expect(await failing.authenticate(demo.token)).toMatchObject({ projectId: demo.body.project!.id });

    const validating = createKeystoneAuthenticator({ ...options(), cacheTtlMs: 0 });
    expect(await validating.authenticate(demo.token)).toBeDefined();
    proxy.inject({ status: 503 }, { times: 4, when: validationOf(demo.token) });
    await expect(validating.authenticate(demo.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND', message: expect.stringMatching(/could not check a token: .*HTTP 503/) });

    // Its own credentials refused (a configuration mistake): not the caller's fault, so not a refused token either.
    const wrong = createKeystoneAuthenticator({ ...options(), password: 'wrong' });
    await expect(wrong.authenticate(demo.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND', message: expect.stringMatching(/could not log the service in: .*refused the credentials.*HTTP 401/) });
    expect(proxy.exchanges.at(-1)).toMatchObject({ method: 'POST', status: 401 });

    // A login answered 404 (a wrong authUrl path, a proxy): Keystone's failure, not a refused token.
    const misrouted = createKeystoneAuthenticator(options());
    proxy.inject({ status: 404 }, { when: (exchange) => exchange.method === 'POST' });
    await expect(misrouted.authenticate(demo.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND', message: expect.stringMatching(/could not log the service in: .*HTTP 404/) });
  });

  it('refuses options it cannot work with', () => {
    const invalid = (overrides: Record<string, unknown>, message: string) =>
      expect(() => createKeystoneAuthenticator({ ...options(), ...overrides })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION', message: expect.stringContaining(message) }));
    invalid({ authUrl: 'keystone:5000' }, 'authUrl must be an http(s) URL');
    invalid({ authUrl: 'http://' }, 'authUrl must be an http(s) URL');
    invalid({ username: '' }, 'username must be a non-empty string');
    invalid({ projectName: undefined }, 'projectName must be a non-empty string');
    invalid({ cacheTtlMs: -1 }, 'cacheTtlMs must be a number ≥ 0');
    invalid({ timeoutMs: 0 }, 'timeoutMs must be a number > 0');
  });
});

describe('the API with Keystone', { timeout: 60_000 }, () => {
  it('admits a Keystone token for its project, 401s an unknown one and 503s (no Retry-After) when Keystone is down', async () => {
    const demo = await demoLogin();
    const project = demo.body.project!.id;
    const api = await startHttpService({ authenticator: createKeystoneAuthenticator(options()) });
    const down = await startHttpService({ authenticator: createKeystoneAuthenticator({ ...options(), authUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }) });
    try {
      expect((await api.request('GET', '/providers', { token: demo.token, project })).status).toBe(200);
      expect((await api.request('GET', '/providers', { token: 'unknown-token', project })).status).toBe(401);
      const unavailable = await down.request('GET', '/providers', { token: demo.token, project });
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBeNull();
      expect(unavailable.body.serviceUnavailable.error_code).toBe('KTS_ERR_AUTH_BACKEND');
    } finally {
      await api.close();
      await down.close();
    }
  });
});
