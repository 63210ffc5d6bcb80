/**
 * A protection service with the local-directory plugin, two filesystem banks and SQLite
 * records, behind the Karbor API on a free port of 127.0.0.1 — what the HTTP tests and the
 * `karbor` CLI tests drive. Tokens: an admin, a member of project A and a member of project B.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBank, createFsDriver } from '../../src/bank/index.js';
import { createKarborApi, createTokenTable, serveKarborApi, type KarborApiOptions } from '../../src/http/index.js';
import { createLocalDirectoryPlugin } from '../../src/plugins/local-directory/index.js';
import { createProtectionService, type ProtectionService } from '../../src/protection/index.js';
import { createSqliteStore } from '../../src/store/index.js';

/** Project ids (UUID-like, as the karbor client wants them). */
export const PROJECT_A = '6b1f1a4e2e5b4c7e9d2f3a4b5c6d7e8f';
/** The second project. */
export const PROJECT_B = '0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f';
/** The provider's id (a UUID, as the client checks). */
export const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';

/** The tokens the table knows. */
export const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  memberA: 'member-a-token-0123456789abcdef',
  memberB: 'member-b-token-0123456789abcdef',
} as const;

/** A running API and what it runs on. */
export interface HttpTestService {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `url/v1/<project>`. */
  readonly base: (project?: string) => string;
  /** The protection service behind it. */
  readonly service: ProtectionService;
  /** The directories the local-directory plugin protects (`docs`, `media`). */
  readonly data: string;
  /** JSON request helper (member of project A unless another token is given). */
  request(method: string, path: string, options?: { body?: unknown; token?: string | null; project?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stops the server and the service and removes the files. */
  close(): Promise<void>;
}

/** Starts the API on a fresh service. */
export async function startHttpService(options: Partial<Omit<KarborApiOptions, 'service'>> = {}): Promise<HttpTestService> {
  const root = mkdtempSync(join(tmpdir(), 'kts-http-'));
  const data = join(root, 'data');
  for (const dir of ['docs', 'media']) mkdirSync(join(data, dir), { recursive: true });
  writeFileSync(join(data, 'docs', 'a.txt'), 'alpha\n');
  writeFileSync(join(data, 'docs', 'b.bin'), Buffer.alloc(100_000, 7));
  writeFileSync(join(data, 'media', 'c.txt'), 'gamma\n');
  const { protection, protectable } = createLocalDirectoryPlugin({ directories: { docs: join(data, 'docs'), media: join(data, 'media') } });
  const store = await createSqliteStore({ path: join(root, 'records.sqlite') });
  const service = await createProtectionService({
    store,
    ownerId: 'http-test-node',
    progressIntervalMs: 50,
    providers: [
      {
        id: PROVIDER_ID,
        name: 'local',
        description: 'Local directories',
        bank: createBank(createFsDriver({ root: join(root, 'bank-main') })),
        destinations: { 'region-b': createBank(createFsDriver({ root: join(root, 'bank-b') })) },
        plugins: [protection],
        protectables: [protectable],
      },
    ],
  });
  const authenticator = options.authenticator ?? createTokenTable([
    { token: TOKENS.admin, userId: 'admin', projectId: PROJECT_A, roles: ['admin', 'member'] },
    { token: TOKENS.memberA, userId: 'alice', projectId: PROJECT_A, roles: ['member'] },
    { token: TOKENS.memberB, userId: 'bob', projectId: PROJECT_B, roles: ['member'] },
  ]);
  const api = createKarborApi({ service, authenticator, ...options });
  const server = await serveKarborApi(api, { port: 0 });
  const base = (project = PROJECT_A): string => `${server.url}/v1/${project}`;
  return {
    url: server.url,
    base,
    service,
    data,
    async request(method, path, { body, token = TOKENS.memberA, project, headers = {} } = {}) {
      const response = await fetch(`${base(project)}${path}`, {
        method,
        headers: { ...(token === null ? {} : { 'X-Auth-Token': token }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      if ((response.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await server.close();
      await service.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
