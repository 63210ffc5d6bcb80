/**
 * The OpenStack mode's configuration (`npm run start:openstack`): the local Swift, Glance and
 * Cinder that `scripts/swift-up.sh`, `scripts/glance-up.sh` and `scripts/cinder-up.sh` start,
 * reached with the coordinates `scripts/services-env.sh` exports.
 *
 * Three providers — local directories, Glance images, Cinder volumes — each with a main bank
 * in a Swift container and a second Swift container standing in for region B. The containers
 * are named `<prefix>-<provider>` and `<prefix>-<provider>-region-b`; the prefix is
 * `KARBOR_CONTAINER_PREFIX`, or `kts-` and 8 hex digits of the data directory's path, so two
 * data directories (two checkouts on one machine, a test) never share a container, and a
 * restart on the same data directory finds its checkpoints again.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BankConfig, ServiceConfigFile } from './config-schema.js';
import type { GlanceAuthConfig } from './openstack-schema.js';

/** The generated configuration's file name in the data directory (rewritten on every start). */
export const OPENSTACK_CONFIG_FILE = 'openstack.json';

/** The providers' ids (UUIDs, fixed so that a restart keeps them). */
export const OPENSTACK_PROVIDER_IDS = {
  local: '2c7d4a31-5b8e-4f0a-9d16-3e2f1a0b9c84',
  glance: '8f1e6b52-0c3d-4a7e-b5f9-6d2c1e0a4b73',
  cinder: 'd4a9c0e7-3f2b-4e61-8a5d-9b7c6e1f2a05',
} as const;

/** Where the services are and how to log in: the variables of `scripts/services-env.sh`. */
export interface OpenStackServices {
  /** Swift's v1 auth URL (`KARBOR_TEST_SWIFT_AUTH_URL`). */
  readonly swiftAuthUrl: string;
  /** `account:user` (`KARBOR_TEST_SWIFT_USER`). */
  readonly swiftUser: string;
  /** The key (`KARBOR_TEST_SWIFT_KEY`). */
  readonly swiftKey: string;
  /** Glance's URL (`KARBOR_TEST_GLANCE_URL`). */
  readonly glanceUrl: string;
  /** How Glance authenticates (`GLANCE_AUTH` of `scripts/glance-up.sh`: `trusted` or `unauth`). */
  readonly glanceAuth: 'trusted' | 'unauth';
  /** Cinder's URL (`KARBOR_TEST_CINDER_URL`). */
  readonly cinderUrl: string;
  /** The containers' name prefix. */
  readonly containerPrefix: string;
}

const PREFIX = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Reads {@link OpenStackServices} from the environment; defaults are those of `scripts/services-env.sh`. */
export function openStackServices(env: NodeJS.ProcessEnv, dataDir: string): OpenStackServices {
  const read = (name: string, fallback: string): string => env[name] || fallback;
  const glanceAuth = read('GLANCE_AUTH', 'trusted');
  if (glanceAuth !== 'trusted' && glanceAuth !== 'unauth') throw new Error(`GLANCE_AUTH must be "trusted" or "unauth", got ${JSON.stringify(glanceAuth)}`);
  const containerPrefix = read('KARBOR_CONTAINER_PREFIX', `kts-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)}`);
  if (!PREFIX.test(containerPrefix)) {
    throw new Error(`KARBOR_CONTAINER_PREFIX must be 1 to 40 lowercase letters, digits and "-", starting with a letter or digit, got ${JSON.stringify(containerPrefix)}`);
  }
  return {
    swiftAuthUrl: read('KARBOR_TEST_SWIFT_AUTH_URL', 'http://127.0.0.1:8080/auth/v1.0'),
    swiftUser: read('KARBOR_TEST_SWIFT_USER', 'test:tester'),
    swiftKey: read('KARBOR_TEST_SWIFT_KEY', 'testing'),
    glanceUrl: read('KARBOR_TEST_GLANCE_URL', 'http://127.0.0.1:9292'),
    glanceAuth,
    cinderUrl: read('KARBOR_TEST_CINDER_URL', 'http://127.0.0.1:8776'),
    containerPrefix,
  };
}

/** The OpenStack mode's configuration file for `services`. */
export function openStackConfig(services: OpenStackServices): ServiceConfigFile {
  const swift = (container: string): BankConfig => ({
    type: 'swift',
    container: `${services.containerPrefix}-${container}`,
    auth: { type: 'tempauth', authUrl: services.swiftAuthUrl, user: services.swiftUser, key: services.swiftKey },
  });
  const glanceAuth: GlanceAuthConfig = services.glanceAuth === 'trusted' ? { type: 'trusted-headers' } : { type: 'none' };
  const provider = (name: keyof typeof OPENSTACK_PROVIDER_IDS, description: string, plugin: string) => ({
    id: OPENSTACK_PROVIDER_IDS[name],
    name,
    description,
    bank: `${name}-main`,
    destinations: [`${name}-region-b`],
    defaultDestination: `${name}-region-b`,
    plugins: [plugin],
  });
  return {
    banks: {
      'local-main': swift('local'),
      'local-region-b': swift('local-region-b'),
      'glance-main': swift('glance'),
      'glance-region-b': swift('glance-region-b'),
      'cinder-main': swift('cinder'),
      'cinder-region-b': swift('cinder-region-b'),
    },
    plugins: {
      'local-directory': { type: 'local-directory', directories: { demo: 'demo' }, sampleFiles: true },
      'glance-image': { type: 'glance-image', endpoint: services.glanceUrl, auth: glanceAuth },
      'cinder-volume': { type: 'cinder-volume', endpoint: services.cinderUrl, auth: { type: 'noauth' } },
    },
    providers: [
      provider('local', 'Local directories, backed up into Swift, with a second Swift container standing in for region B', 'local-directory'),
      provider('glance', 'Glance images, chunked into Swift, with a second Swift container standing in for region B', 'glance-image'),
      provider('cinder', 'Cinder volumes as Cinder backups, their records in Swift, with a second Swift container standing in for region B', 'cinder-volume'),
    ],
  };
}

/**
 * Writes the OpenStack mode's configuration for `env` into `dataDir` (created when missing,
 * mode 0700; the file is replaced atomically, mode 0600: it holds the Swift key); resolves to
 * its path.
 */
export async function writeOpenStackConfig(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const config = openStackConfig(openStackServices(env, dataDir));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(resolve(dataDir), OPENSTACK_CONFIG_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
  return path;
}
