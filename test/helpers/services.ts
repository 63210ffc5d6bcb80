/**
 * The real services the tests run against: Swift and its S3 layer as `scripts/swift-up.sh`
 * starts them, Glance as `scripts/glance-up.sh` and Cinder as `scripts/cinder-up.sh` do
 * (`scripts/services-env.sh` prints the same values as `KARBOR_TEST_*` variables).
 *
 * A real-service test never skips: when the service does not answer, {@link requireSwift},
 * {@link requireS3}, {@link requireGlance} and {@link requireCinder} throw an error that says how
 * to start it, so the test file fails (in CI and locally alike). Use them with top-level `await`
 * in the test file.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** Where Swift's v1 auth is and who to log in as. */
export interface SwiftTestService {
  /** v1 auth endpoint (`KARBOR_TEST_SWIFT_AUTH_URL`). */
  readonly authUrl: string;
  /** `account:user` (`KARBOR_TEST_SWIFT_USER`). */
  readonly user: string;
  /** The key (`KARBOR_TEST_SWIFT_KEY`). */
  readonly key: string;
  /** The account URL and a token, from logging in once. */
  readonly storageUrl: string;
  /** A valid token (for raw requests in tests). */
  readonly token: string;
}

/** Where the S3 endpoint (Swift's s3api) is and its credentials. */
export interface S3TestService {
  /** `KARBOR_TEST_S3_ENDPOINT`. */
  readonly endpoint: string;
  /** `KARBOR_TEST_S3_REGION`. */
  readonly region: string;
  /** `KARBOR_TEST_S3_ACCESS_KEY`. */
  readonly accessKeyId: string;
  /** `KARBOR_TEST_S3_SECRET_KEY`. */
  readonly secretAccessKey: string;
}

const env = (name: string, fallback: string): string => process.env[name] || fallback;

const HOW_TO_START =
  'Start it with `sudo scripts/swift-up.sh` (installs the Debian packages on first use; `scripts/swift-down.sh` stops it). ' +
  'If it runs elsewhere, set the variables `scripts/services-env.sh` prints. Real-service tests never skip.';

function unavailable(what: string, where: string, cause: unknown, howTo = HOW_TO_START): Error {
  const reason = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}` : String(cause);
  return new Error(`${what} is not available at ${where}: ${reason}. ${howTo}${process.env.CI ? ' [CI]' : ''}`, { cause });
}

/** Logs in to the test Swift; throws a "start it with scripts/swift-up.sh" error when it does not answer. */
export async function requireSwift(): Promise<SwiftTestService> {
  const authUrl = env('KARBOR_TEST_SWIFT_AUTH_URL', 'http://127.0.0.1:8080/auth/v1.0');
  const user = env('KARBOR_TEST_SWIFT_USER', 'test:tester');
  const key = env('KARBOR_TEST_SWIFT_KEY', 'testing');
  let response: Response;
  try {
    response = await fetch(authUrl, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key }, signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw unavailable('Swift', authUrl, error);
  }
  const storageUrl = response.headers.get('x-storage-url');
  const token = response.headers.get('x-auth-token');
  await response.body?.cancel();
  if (!response.ok || storageUrl === null || token === null) throw unavailable('Swift', authUrl, new Error(`auth answered HTTP ${response.status}`));
  return { authUrl, user, key, storageUrl, token };
}

/** Checks the test S3 endpoint answers; throws a "start it with scripts/swift-up.sh" error otherwise. */
export async function requireS3(): Promise<S3TestService> {
  const endpoint = env('KARBOR_TEST_S3_ENDPOINT', 'http://127.0.0.1:8080');
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
  } catch (error) {
    throw unavailable('The S3 endpoint (Swift s3api)', endpoint, error);
  }
  return {
    endpoint,
    region: env('KARBOR_TEST_S3_REGION', 'us-east-1'),
    accessKeyId: env('KARBOR_TEST_S3_ACCESS_KEY', 'test:tester'),
    secretAccessKey: env('KARBOR_TEST_S3_SECRET_KEY', 'testing'),
  };
}

/** A container or bucket name unique to this run: lowercase, S3-safe, at most 40 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase().slice(0, 40);
}

/** Deletes every object of the named Swift containers, then the containers (absent ones are fine). */
export async function purgeSwiftContainers(service: SwiftTestService, containers: readonly string[]): Promise<void> {
  const headers = { 'X-Auth-Token': service.token };
  for (const container of containers) {
    const base = `${service.storageUrl}/${encodeURIComponent(container)}`;
    for (;;) {
      const listing = await fetch(`${base}?format=json&limit=1000`, { headers });
      if (listing.status !== 200) {
        await listing.body?.cancel();
        break;
      }
      const names = ((await listing.json()) as { name: string }[]).map((entry) => entry.name);
      if (names.length === 0) break;
      await Promise.all(
        names.map(async (name) => {
          const path = name.split('/').map(encodeURIComponent).join('/');
          const response = await fetch(`${base}/${path}`, { method: 'DELETE', headers });
          await response.body?.cancel();
        }),
      );
    }
    const response = await fetch(base, { method: 'DELETE', headers });
    await response.body?.cancel();
  }
}

/** The Glance of `scripts/glance-up.sh`: trusted identity headers, any project id. */
export interface GlanceTestService {
  /** Glance's root URL (`KARBOR_TEST_GLANCE_URL`). */
  readonly url: string;
  /** The project the tests act for (`KARBOR_TEST_GLANCE_PROJECT_ID`). */
  readonly projectId: string;
  /** The identity headers Glance trusts (`X-Identity-Status`, `X-Project-Id`, `X-User-Id`, `X-Roles`). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The Cinder of `scripts/cinder-up.sh`: noauth, file-backed volumes, backups to a POSIX directory. */
export interface CinderTestService {
  /** Cinder's root URL (`KARBOR_TEST_CINDER_URL`). */
  readonly url: string;
  /** The project the tests act for (`KARBOR_TEST_CINDER_PROJECT_ID`, hex). */
  readonly projectId: string;
  /** The project endpoint, `<url>/v3/<projectId>`. */
  readonly endpointUrl: string;
  /** The noauth token, `karbor:<projectId>`. */
  readonly token: string;
  /** Where the volumes' files are, `volume-<id>` each (`KARBOR_TEST_CINDER_VOLUMES_DIR`). */
  readonly volumesDir: string;
  /** Where the POSIX backup driver writes (`KARBOR_TEST_CINDER_BACKUPS_DIR`). */
  readonly backupsDir: string;
}

const TEST_PROJECT = '0123456789abcdef0123456789abcdef';

const HOW_TO_START_GLANCE =
  'Start it with `sudo scripts/glance-up.sh` (installs glance-api on first use; `scripts/glance-down.sh` stops it). ' +
  'If it runs elsewhere, set the variables `scripts/services-env.sh` prints. Real-service tests never skip.';

const HOW_TO_START_CINDER =
  'Start it with `sudo scripts/cinder-up.sh` (installs cinder-common on first use; `scripts/cinder-down.sh` stops it). ' +
  'If it runs elsewhere, set the variables `scripts/services-env.sh` prints. Real-service tests never skip.';

/** Checks the test Glance answers with the trusted headers; throws a "start it with scripts/glance-up.sh" error otherwise. */
export async function requireGlance(): Promise<GlanceTestService> {
  const url = env('KARBOR_TEST_GLANCE_URL', 'http://127.0.0.1:9292').replace(/\/+$/u, '');
  const projectId = env('KARBOR_TEST_GLANCE_PROJECT_ID', TEST_PROJECT);
  const headers = { 'X-Identity-Status': 'Confirmed', 'X-Project-Id': projectId, 'X-User-Id': 'karbor', 'X-Roles': 'admin,member,reader' };
  let response: Response;
  try {
    response = await fetch(`${url}/v2/images?limit=1`, { headers, signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw unavailable('Glance', url, error, HOW_TO_START_GLANCE);
  }
  await response.body?.cancel();
  if (!response.ok) throw unavailable('Glance', url, new Error(`GET /v2/images answered HTTP ${response.status}`), HOW_TO_START_GLANCE);
  return { url, projectId, headers };
}

/** Checks the test Cinder answers and its scheduler, volume and backup services are up; throws a "start it with scripts/cinder-up.sh" error otherwise. */
export async function requireCinder(): Promise<CinderTestService> {
  const url = env('KARBOR_TEST_CINDER_URL', 'http://127.0.0.1:8776').replace(/\/+$/u, '');
  const projectId = env('KARBOR_TEST_CINDER_PROJECT_ID', TEST_PROJECT);
  const base = `${process.env.KARBOR_SERVICES_DIR || '/tmp/karbor-ts-services'}/cinder`;
  const token = `karbor:${projectId}`;
  const endpointUrl = `${url}/v3/${projectId}`;
  let services: { binary?: string; state?: string }[];
  try {
    const response = await fetch(`${endpointUrl}/os-services`, { headers: { 'X-Auth-Token': token, Accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GET /os-services answered HTTP ${response.status}`);
    }
    services = ((await response.json()) as { services?: typeof services }).services ?? [];
  } catch (error) {
    throw unavailable('Cinder', url, error, HOW_TO_START_CINDER);
  }
  const down = ['cinder-scheduler', 'cinder-volume', 'cinder-backup'].filter((binary) => !services.some((service) => service.binary === binary && service.state === 'up'));
  if (down.length > 0) throw unavailable('Cinder', url, new Error(`services not up: ${down.join(', ')}`), HOW_TO_START_CINDER);
  return {
    url,
    projectId,
    endpointUrl,
    token,
    volumesDir: env('KARBOR_TEST_CINDER_VOLUMES_DIR', `${base}/state/volumes`),
    backupsDir: env('KARBOR_TEST_CINDER_BACKUPS_DIR', `${base}/backups`),
  };
}
