/**
 * The real services the Swift and S3 driver tests run against, as `scripts/swift-up.sh` starts
 * them (`scripts/services-env.sh` prints the same values as `KARBOR_TEST_*` variables).
 *
 * A real-service test never skips: when the service does not answer, {@link requireSwift} and
 * {@link requireS3} throw an error that says how to start it, so the test file fails (in CI and
 * locally alike). Use them with top-level `await` in the test file.
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

function unavailable(what: string, where: string, cause: unknown): Error {
  const reason = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}` : String(cause);
  return new Error(`${what} is not available at ${where}: ${reason}. ${HOW_TO_START}${process.env.CI ? ' [CI]' : ''}`, { cause });
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
