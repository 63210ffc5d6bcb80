/**
 * Embedding the service in a server you already have. The Karbor v1 API is a web-standard
 * handler (`Request` → `Response`), so it mounts in any app that speaks `fetch`; here an
 * existing Hono app mounts it under `/karbor` beside its own routes, and one of those routes
 * calls the same protection service through the library API.
 *
 * The script listens on a free port, makes a few requests — its own route, the Karbor API
 * without and with a token (list providers, create a plan), its own route again — and shuts
 * down: server, service, store.
 *
 * Run: `npx tsx examples/04-embedding.ts`
 * The real Karbor client would use `--karbor-url http://127.0.0.1:<port>/karbor/v1/shop`.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createBank, createMemoryDriver } from 'karbor-ts/bank';
import { createKarborApi, createTokenTable } from 'karbor-ts/http';
import { createLocalDirectoryPlugin, LOCAL_DIRECTORY_TYPE } from 'karbor-ts/plugins/local-directory';
import { createProtectionService } from 'karbor-ts/protection';
import { createMemoryStore } from 'karbor-ts/store';

// The protection service: one provider protecting this examples directory into a memory bank.
const { protection, protectable } = createLocalDirectoryPlugin({ directories: { 'site-content': fileURLToPath(new URL('.', import.meta.url)) } });
const store = createMemoryStore();
const service = await createProtectionService({
  store,
  providers: [{ id: 'site', name: 'Site backups', bank: createBank(createMemoryDriver()), plugins: [protection], protectables: [protectable] }],
});

// The Karbor API over it. Tokens name a user, a project and roles; any `{ authenticate(token) }` works too.
const TOKEN = 'alice-token-0123456789';
const karbor = createKarborApi({ service, authenticator: createTokenTable([{ token: TOKEN, userId: 'alice', projectId: 'shop', roles: ['member'] }]) });

// The app you already had, with the API mounted under /karbor (the prefix is stripped before it sees the request).
const app = new Hono();
app.get('/health', (c) => c.json({ ok: true }));
app.get('/backups/summary', async (c) => {
  const plans = await service.plans.list({ projectId: 'shop' });
  return c.json({ plans: plans.items.map((plan) => plan.name) });
});
app.mount('/karbor', karbor.fetch);

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function request(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(options.token === undefined ? {} : { 'x-auth-token': options.token }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const body = await response.json();
  console.log(`${method} ${path} → ${response.status}`);
  return body;
}

console.log(await request('GET', '/health'));
console.log(await request('GET', '/karbor/v1/shop/providers'));

const { providers } = (await request('GET', '/karbor/v1/shop/providers', { token: TOKEN })) as { providers: { id: string; name: string }[] };
console.log(providers.map(({ id, name }) => ({ id, name })));

const { plan } = (await request('POST', '/karbor/v1/shop/plans', {
  token: TOKEN,
  body: { plan: { name: 'nightly', provider_id: 'site', resources: [{ type: LOCAL_DIRECTORY_TYPE, id: 'site-content', name: 'site-content' }] } },
})) as { plan: { id: string; name: string; status: string; resources: unknown[] } };
console.log({ id: plan.id, name: plan.name, status: plan.status, resources: plan.resources });

console.log(await request('GET', '/backups/summary'));

await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
await service.close();
await store.close();
console.log('closed');
