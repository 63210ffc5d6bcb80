/**
 * The HTTP API behind the real Keystone, as a cloud runs it: its tokens checked by the Keystone
 * authenticator (as the `karbor` service user), and the API registered in Keystone's catalog as
 * `data-protect` in a region of its own, so a client that logs in finds it there.
 */
import { afterAll, beforeAll } from 'vitest';
import { createKeystoneAuthenticator, type Identity } from '../../src/http/index.js';
import { startHttpService, type HttpTestService } from './http-service.js';
import { registerKeystoneService, type KeystoneTestService } from './keystone.js';

/** One token the API was sent, and what Keystone made of it (`undefined`: refused). */
export interface CheckedToken {
  readonly token: string;
  readonly identity: Identity | undefined;
}

/** The API of {@link useKeystoneApi}: filled in by its `beforeAll`. */
export interface KeystoneApi {
  /** The running API (set once the file's `beforeAll` ran). */
  readonly service: HttpTestService;
  /** Every token the API checked, in order. */
  readonly checked: readonly CheckedToken[];
}

/**
 * Starts the API in a `beforeAll` with the Keystone authenticator (`cacheTtlMs` as given, so a
 * test can see revocations at once with 0) and registers it in `region`; the `afterAll`
 * removes the registration and stops the API.
 */
export function useKeystoneApi(keystone: KeystoneTestService, region: string, options: { readonly cacheTtlMs?: number } = {}): KeystoneApi {
  const checked: CheckedToken[] = [];
  const validator = createKeystoneAuthenticator({
    authUrl: keystone.authUrl,
    username: keystone.service.username,
    password: keystone.service.password,
    projectName: keystone.service.projectName,
    ...options,
  });
  let service: HttpTestService | undefined;
  let unregister: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    service = await startHttpService({
      authenticator: {
        async authenticate(token) {
          const identity = await validator.authenticate(token);
          checked.push({ token, identity });
          return identity;
        },
      },
    });
    unregister = await registerKeystoneService(keystone, 'data-protect', region, `${service.url}/v1/$(project_id)s`);
  });
  afterAll(async () => {
    try {
      await unregister?.();
    } finally {
      await service?.close();
    }
  });
  return {
    get service() {
      if (service === undefined) throw new Error('The API starts in beforeAll');
      return service;
    },
    checked,
  };
}
