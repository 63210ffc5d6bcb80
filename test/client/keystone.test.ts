/**
 * The client with Keystone v3 authentication, end to end against the REAL Keystone of
 * `scripts/keystone-up.sh` (test/helpers/keystone.ts): the API runs with the Keystone
 * authenticator (`createKeystoneAuthenticator`), which validates every user token with
 * Keystone as the `karbor` service user, and is registered in Keystone's catalog as a
 * `data-protect` service at `http://127.0.0.1:PORT/v1/$(project_id)s`, in a region of its own
 * that every login of this file selects. The client logs in as `demo` with a password.
 *
 * Covered: the catalog's endpoint (with Keystone's project id filled in) when no URL is given,
 * and none in a region without the service; the project from the token when the URL is the
 * service root; one renewal after a 401 (the token revoked in Keystone with
 * `DELETE /v3/auth/tokens`) and only one (an unscoped login, whose every token the API
 * refuses); refused credentials; incomplete options.
 *
 * The authenticator's cache is off (`cacheTtlMs: 0`) so a revocation counts at once, and it is
 * wrapped in a recorder that notes which token the API was sent and what Keystone said of it:
 * the only way to see from outside how often the client logged in.
 */
import { describe, expect, it } from 'vitest';
import { KarborClient } from '../../src/client/index.js';
import { PROVIDER_ID } from '../helpers/http-service.js';
import { useKeystoneApi } from '../helpers/keystone-api.js';
import { keystoneLogin, requireKeystone } from '../helpers/keystone.js';
import { uniqueName } from '../helpers/services.js';

const keystone = await requireKeystone();
/** The demo user's ids, as Keystone itself gives them. */
const demo = await keystoneLogin(keystone, keystone.demo);
const DEMO_PROJECT = demo.body.project!.id;
const DEMO_USER = demo.body.user.id;
/** The region (and service name) this file registers the API in. */
const REGION = uniqueName('kts-client-ks');
const DIR = 'OS::Local::Directory';

/** The API, behind the Keystone authenticator (no cache: a revocation counts at once), in this file's region. */
const keystoneApi = useKeystoneApi(keystone, REGION, { cacheTtlMs: 0 });
/** Every token the API was sent, with what the Keystone authenticator made of it, in order. */
const checked = keystoneApi.checked;

/** demo's openrc, in this file's region. */
const login = {
  authUrl: keystone.authUrl,
  username: keystone.demo.username,
  password: keystone.demo.password,
  projectName: keystone.demo.projectName,
  userDomainName: 'Default',
  projectDomainName: 'Default',
  region: REGION,
};

/** Revokes `token` in Keystone, as an admin would (`DELETE /v3/auth/tokens`). */
async function revoke(token: string): Promise<void> {
  const admin = await keystoneLogin(keystone, keystone.admin);
  const response = await fetch(`${keystone.authUrl}/auth/tokens`, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': admin.token, 'X-Subject-Token': token },
    signal: AbortSignal.timeout(30_000),
  });
  await response.body?.cancel();
  expect(response.status).toBe(204);
}

describe('Keystone authentication (real Keystone)', { timeout: 60_000 }, () => {
  it('logs in with a password scoped to the project and finds the API in the catalog of its region', async () => {
    const client = new KarborClient({ keystone: login });
    // Keystone filled in the project of demo's token: the client did not add it.
    expect(await client.baseUrl()).toBe(`${keystoneApi.service.url}/v1/${DEMO_PROJECT}`);
    const before = checked.length;
    const provider = await client.getProvider(PROVIDER_ID);
    expect(provider).toMatchObject({ id: PROVIDER_ID, name: 'local' });
    // The API asked Keystone about the token: it belongs to demo, on project demo, as a member.
    expect(checked.slice(before)).toHaveLength(1);
    const { identity } = checked.at(-1)!;
    expect(identity).toMatchObject({ userId: DEMO_USER, projectId: DEMO_PROJECT });
    expect(identity!.roles).toContain('member');
    expect(identity!.roles).not.toContain('admin');
  });

  it('finds no endpoint in a region where the catalog has none', async () => {
    const client = new KarborClient({ keystone: { ...login, region: 'RegionOne' } });
    const error = await client.baseUrl().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_NOT_FOUND', details: { serviceTypes: ['data-protect'], region: 'RegionOne', interface: 'public' } });
    expect((error as { details: { catalogTypes: string[] } }).details.catalogTypes).toEqual(expect.arrayContaining(['identity']));
  });

  it('takes the project from the token when the URL is the service root, and acts in it', async () => {
    const client = new KarborClient({ url: keystoneApi.service.url, keystone: login });
    expect(await client.baseUrl()).toBe(`${keystoneApi.service.url}/v1/${DEMO_PROJECT}`);
    expect((await client.listPlans()).items).toEqual([]);
    const name = uniqueName('ks-plan');
    const plan = await client.createPlan({ name, provider_id: PROVIDER_ID, resources: [{ id: 'docs', type: DIR, name: 'docs' }], parameters: {} });
    expect(plan).toMatchObject({ name, provider_id: PROVIDER_ID, project_id: DEMO_PROJECT, status: 'suspended' });
    expect((await client.listPlans()).items.map((item) => item.id)).toEqual([plan.id]);
    expect((await client.getPlan(plan.id)).project_id).toBe(DEMO_PROJECT);
  });

  it('logs in again once when the API answers 401 (token revoked in Keystone), and keeps the new token', async () => {
    const client = new KarborClient({ url: keystoneApi.service.base(DEMO_PROJECT), keystone: login });
    await client.listProviders();
    const stale = checked.at(-1)!;
    expect(stale.identity).toMatchObject({ userId: DEMO_USER, projectId: DEMO_PROJECT });
    await revoke(stale.token);

    const before = checked.length;
    expect((await client.listProviders()).items.map((item) => item.id)).toEqual([PROVIDER_ID]);
    const during = checked.slice(before);
    // The revoked token was refused, then one new login's token was accepted.
    expect(during.map((entry) => entry.token)).toEqual([stale.token, expect.any(String)]);
    expect(during[0]!.identity).toBeUndefined();
    expect(during[1]!.token).not.toBe(stale.token);
    expect(during[1]!.identity).toMatchObject({ userId: DEMO_USER, projectId: DEMO_PROJECT });

    // The next call uses the new token straight away.
    await client.listPlans();
    expect(checked.slice(before + 2).map((entry) => entry.token)).toEqual([during[1]!.token]);
  });

  it('a second 401 after the renewal is final (an unscoped login: the API refuses each of its tokens)', async () => {
    const { projectName: _project, projectDomainName: _domain, ...unscoped } = login;
    const client = new KarborClient({ url: keystoneApi.service.base(DEMO_PROJECT), keystone: unscoped });
    const before = checked.length;
    const error = await client.listProviders().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_UNAUTHORIZED', details: { status: 401 } });
    const during = checked.slice(before);
    // Two tokens, two logins: the first refused, one renewal, refused too, and no third try.
    expect(during).toHaveLength(2);
    expect(during[1]!.token).not.toBe(during[0]!.token);
    expect(during.map((entry) => entry.identity)).toEqual([undefined, undefined]);
  });

  it('refused credentials are KTS_ERR_UNAUTHORIZED, and the API is never called', async () => {
    const before = checked.length;
    const client = new KarborClient({ url: keystoneApi.service.base(DEMO_PROJECT), keystone: { ...login, password: 'wrong' } });
    const error = await client.listProviders().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'KTS_ERR_UNAUTHORIZED', details: { status: 401 } });
    expect((error as Error).message).toMatch(/Keystone/);
    expect(checked.length).toBe(before);
  });

  it('refuses incomplete Keystone options with KTS_ERR_INVALID_OPTION', async () => {
    const client = new KarborClient({ url: keystoneApi.service.base(DEMO_PROJECT), keystone: { authUrl: keystone.authUrl, username: keystone.demo.username } });
    expect(await client.listProviders().catch((caught: unknown) => caught)).toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
  });
});
