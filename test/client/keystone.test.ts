/**
 * The client with Keystone v3 authentication, against a running service and a Keystone TEST
 * DOUBLE (no Keystone runs on these machines): a small local server that answers
 * `POST /v3/auth/tokens` as Keystone does and registers each token it issues in the API's
 * tokens table. Covered: the catalog's `data-protect` endpoint when no URL is given, the
 * project from the token, one renewal after a 401 (and only one), and refused credentials.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KarborClient } from '../../src/client/index.js';
import { createTokenTable } from '../../src/http/index.js';
import { PROJECT_A, PROVIDER_ID, startHttpService, type HttpTestService } from '../helpers/http-service.js';

const table = createTokenTable();
let api: HttpTestService;
let keystone: string;
let server: Server;
const issued: string[] = [];
const logins: any[] = [];
let register = true;

beforeAll(async () => {
  api = await startHttpService({ authenticator: table });
  server = createServer(async (request, response) => {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
    if (request.method !== 'POST' || request.url !== '/v3/auth/tokens') {
      response.writeHead(404).end();
      return;
    }
    logins.push(body);
    const password = body.auth?.identity?.password?.user?.password;
    if (password !== 's3cret') {
      response.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 401, message: 'The request you have made requires authentication.' } }));
      return;
    }
    const token = `ks-token-${issued.length + 1}-0123456789abcdef`;
    issued.push(token);
    if (register) table.add({ token, userId: 'ks-user', projectId: PROJECT_A, roles: ['member'] });
    response.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': token });
    response.end(
      JSON.stringify({
        token: {
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          user: { id: 'ks-user' },
          project: { id: PROJECT_A, name: 'demo' },
          roles: [{ name: 'member' }],
          catalog: [{ type: 'data-protect', name: 'karbor', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${api.url}/v1/$(project_id)s` }] }],
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  keystone = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await api?.close();
});

const login = { username: 'alice', password: 's3cret', projectName: 'demo', userDomainName: 'Default', projectDomainName: 'Default' };

describe('Keystone authentication', () => {
  it('logs in with a password scoped to the project and finds the API in the catalog', async () => {
    const client = new KarborClient({ keystone: { authUrl: keystone, ...login } });
    expect(await client.baseUrl()).toBe(`${api.url}/v1/${PROJECT_A}`);
    expect((await client.getProvider(PROVIDER_ID)).id).toBe(PROVIDER_ID);
    expect(logins.at(-1).auth).toEqual({
      identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 's3cret' } } },
      scope: { project: { name: 'demo', domain: { name: 'Default' } } },
    });
  });

  it('takes the project from the token when the URL is the service root', async () => {
    const client = new KarborClient({ url: api.url, keystone: { authUrl: keystone, ...login } });
    expect(await client.baseUrl()).toBe(`${api.url}/v1/${PROJECT_A}`);
    expect((await client.listPlans()).items).toEqual([]);
  });

  it('logs in again once when the API answers 401, and a second 401 is final', async () => {
    const client = new KarborClient({ url: api.base(), keystone: { authUrl: keystone, ...login } });
    await client.listProviders();
    const before = logins.length;
    table.revoke(issued.at(-1)!);
    expect((await client.listProviders()).items).toHaveLength(1);
    expect(logins.length).toBe(before + 1);

    register = false;
    try {
      table.revoke(issued.at(-1)!);
      const error = await client.listProviders().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'KTS_ERR_UNAUTHORIZED', details: { status: 401 } });
      expect(logins.length).toBe(before + 2);
    } finally {
      register = true;
    }
  });

  it('refused credentials are KTS_ERR_UNAUTHORIZED', async () => {
    const client = new KarborClient({ url: api.base(), keystone: { authUrl: keystone, ...login, password: 'wrong' } });
    expect(await client.listProviders().catch((caught: unknown) => caught)).toMatchObject({ code: 'KTS_ERR_UNAUTHORIZED' });
  });

  it('refuses incomplete Keystone options with KTS_ERR_INVALID_OPTION', async () => {
    const client = new KarborClient({ url: api.base(), keystone: { authUrl: keystone, username: 'alice' } });
    expect(await client.listProviders().catch((caught: unknown) => caught)).toMatchObject({ code: 'KTS_ERR_INVALID_OPTION' });
  });
});
