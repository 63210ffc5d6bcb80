/**
 * The local Swift as the benches see it: the tempauth credentials (from the variables
 * `scripts/services-env.sh` exports), a login, and a purge of what a bench left in a container.
 *
 * @module
 */

const env = (name: string, fallback: string): string => process.env[name] || fallback;

/** The tempauth endpoint and credentials of the local Swift. */
export const SWIFT = {
  authUrl: env('KARBOR_TEST_SWIFT_AUTH_URL', 'http://127.0.0.1:8080/auth/v1.0'),
  user: env('KARBOR_TEST_SWIFT_USER', 'test:tester'),
  key: env('KARBOR_TEST_SWIFT_KEY', 'testing'),
};

/** A logged-in Swift account. */
export interface Session {
  /** The account's storage URL. */
  readonly storageUrl: string;
  /** The `X-Auth-Token`. */
  readonly token: string;
}

/** Logs in with {@link SWIFT}; `undefined` when Swift does not answer (the bench leaves its Swift rows out). */
export async function swiftLogin(): Promise<Session | undefined> {
  try {
    const response = await fetch(SWIFT.authUrl, { headers: { 'X-Auth-User': SWIFT.user, 'X-Auth-Key': SWIFT.key }, signal: AbortSignal.timeout(3000) });
    const storageUrl = response.headers.get('x-storage-url');
    const token = response.headers.get('x-auth-token');
    return response.ok && storageUrl !== null && token !== null ? { storageUrl, token } : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes a container, its objects (Swift's bulk delete, 1,000 per request) and its segments containers. */
export async function purgeContainer(session: Session, container: string): Promise<void> {
  const headers = { 'X-Auth-Token': session.token };
  const attempt = async <T>(work: () => Promise<T>): Promise<T> => work().catch(() => work());
  for (const name of [container, `${container}_segments`, `${container}+segments`]) {
    for (;;) {
      const listing = await attempt(() => fetch(`${session.storageUrl}/${name}?format=json&limit=1000`, { headers }));
      if (listing.status !== 200) {
        await listing.body?.cancel();
        break;
      }
      const names = ((await listing.json()) as { name: string }[]).map((entry) => entry.name);
      if (names.length === 0) break;
      const body = names.map((object) => `/${name}/${object.split('/').map(encodeURIComponent).join('/')}`).join('\n');
      const init = { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain', Accept: 'application/json' }, body };
      await (await attempt(() => fetch(`${session.storageUrl}?bulk-delete`, init))).text();
    }
    await (await attempt(() => fetch(`${session.storageUrl}/${name}`, { method: 'DELETE', headers }))).text();
  }
}
