/**
 * The real Keystone v3 of `scripts/keystone-up.sh` (Debian's python3-keystone on 127.0.0.1,
 * Fernet tokens), its fixtures, and the Swift proxy behind it that authenticates with Keystone
 * (`scripts/services-env.sh` prints the same values as `KARBOR_TEST_KEYSTONE_*` variables).
 *
 * A real-service test never skips: {@link requireKeystone} throws an error that says how to start
 * Keystone when it does not answer, so the test file fails. Use it with top-level `await`.
 *
 * @module
 */

const env = (name: string, fallback: string): string => process.env[name] || fallback;

/** A user of the test Keystone, in the `Default` domain, with a role on one project. */
export interface KeystoneTestUser {
  readonly username: string;
  readonly password: string;
  /** The project the user has a role on (also in the `Default` domain). */
  readonly projectName: string;
}

/** The test Keystone and who can log in to it. */
export interface KeystoneTestService {
  /** The v3 root, `http://127.0.0.1:5000/v3` (`KARBOR_TEST_KEYSTONE_URL`). */
  readonly authUrl: string;
  /** `admin` (role admin on project admin). */
  readonly admin: KeystoneTestUser;
  /** `demo` (role member on project demo): a cloud user. */
  readonly demo: KeystoneTestUser;
  /** `karbor` (role service on project service): what a protection service validates tokens with. */
  readonly service: KeystoneTestUser;
  /** The Swift proxy that authenticates with this Keystone (`KARBOR_TEST_KEYSTONE_SWIFT_URL`), listed in its catalog as the object-store. */
  readonly swiftUrl: string;
}

/** What Keystone answered a password login with. */
export interface KeystoneLogin {
  /** The token (`X-Subject-Token`). */
  readonly token: string;
  /** The token body (`token`: user, project, roles, catalog, expires_at). */
  readonly body: KeystoneTokenBody;
}

/** The parts of a Keystone v3 token body the tests look at. */
export interface KeystoneTokenBody {
  readonly expires_at: string;
  readonly user: { readonly id: string; readonly name: string };
  readonly project?: { readonly id: string; readonly name: string };
  readonly roles?: readonly { readonly id: string; readonly name: string }[];
  readonly catalog?: readonly { readonly type: string; readonly name?: string; readonly endpoints: readonly { readonly interface: string; readonly region_id?: string; readonly url: string }[] }[];
}

const HOW_TO_START_KEYSTONE =
  'Start it with `sudo scripts/keystone-up.sh` after `scripts/swift-up.sh` (installs python3-keystone on first use; `scripts/keystone-down.sh` stops it). ' +
  'If it runs elsewhere, set the variables `scripts/services-env.sh` prints. Real-service tests never skip.';

/** The password login body of `user`, scoped to its project (or unscoped). */
export function passwordAuthBody(user: KeystoneTestUser, scoped = true): unknown {
  const identity = { methods: ['password'], password: { user: { name: user.username, domain: { id: 'default' }, password: user.password } } };
  return { auth: scoped ? { identity, scope: { project: { name: user.projectName, domain: { id: 'default' } } } } : { identity } };
}

/** Logs `user` in (project-scoped); throws with Keystone's answer when it refuses. */
export async function keystoneLogin(service: Pick<KeystoneTestService, 'authUrl'>, user: KeystoneTestUser): Promise<KeystoneLogin> {
  const response = await fetch(`${service.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(passwordAuthBody(user)),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const token = response.headers.get('x-subject-token');
  if (response.status !== 201 || token === null) throw new Error(`Keystone refused ${user.username}'s login: HTTP ${response.status} ${text.slice(0, 300)}`);
  return { token, body: (JSON.parse(text) as { token: KeystoneTokenBody }).token };
}

/** Checks the test Keystone answers and its users log in; throws a "start it with scripts/keystone-up.sh" error otherwise. */
export async function requireKeystone(): Promise<KeystoneTestService> {
  const authUrl = env('KARBOR_TEST_KEYSTONE_URL', 'http://127.0.0.1:5000/v3').replace(/\/+$/u, '');
  const service: KeystoneTestService = {
    authUrl,
    admin: { username: 'admin', password: env('KARBOR_TEST_KEYSTONE_ADMIN_PASSWORD', 'admin-secret'), projectName: 'admin' },
    demo: { username: 'demo', password: env('KARBOR_TEST_KEYSTONE_DEMO_PASSWORD', 'demo-secret'), projectName: 'demo' },
    service: { username: 'karbor', password: env('KARBOR_TEST_KEYSTONE_SERVICE_PASSWORD', 'service-secret'), projectName: 'service' },
    swiftUrl: env('KARBOR_TEST_KEYSTONE_SWIFT_URL', 'http://127.0.0.1:8081'),
  };
  try {
    await keystoneLogin(service, service.demo);
  } catch (error) {
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    throw new Error(`Keystone is not available at ${authUrl}: ${reason}. ${HOW_TO_START_KEYSTONE}${process.env.CI ? ' [CI]' : ''}`, { cause: error });
  }
  return service;
}

/** The admin's token, one login per test file (Keystone here answers one request at a time). */
let adminToken: Promise<string> | undefined;

/** One admin request to the test Keystone; answers the parsed body (undefined when empty); throws on a status other than 2xx. */
export async function keystoneAdmin<T = unknown>(service: KeystoneTestService, method: string, path: string, body?: unknown): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    adminToken ??= keystoneLogin(service, service.admin).then((login) => login.token);
    const token = await adminToken;
    const response = await fetch(`${service.authUrl}${path}`, {
      method,
      headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status === 401 && attempt === 1) {
      adminToken = undefined; // revoked or expired: log in again, once
      continue;
    }
    if (!response.ok) throw new Error(`Keystone ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/**
 * Registers a service of `type` named `name`, with one endpoint per interface (public,
 * internal, admin) at `url` in a new region of its own, also called `name` — so test files
 * running at once never see each other's endpoints when they pick that region. Answers a
 * function that removes the service, its endpoints and the region.
 */
export async function registerKeystoneService(service: KeystoneTestService, type: string, name: string, url: string): Promise<() => Promise<void>> {
  let serviceId: string | undefined;
  const remove = async (): Promise<void> => {
    try {
      if (serviceId !== undefined) await keystoneAdmin(service, 'DELETE', `/services/${serviceId}`);
    } finally {
      await keystoneAdmin(service, 'DELETE', `/regions/${name}`);
    }
  };
  await keystoneAdmin(service, 'POST', '/regions', { region: { id: name } });
  try {
    serviceId = (await keystoneAdmin<{ service: { id: string } }>(service, 'POST', '/services', { service: { type, name } })).service.id;
    for (const face of ['public', 'internal', 'admin']) {
      await keystoneAdmin(service, 'POST', '/endpoints', { endpoint: { service_id: serviceId, interface: face, url, region_id: name } });
    }
  } catch (error) {
    // half registered: nothing may stay behind
    await remove().catch(() => undefined);
    throw error;
  }
  return remove;
}
