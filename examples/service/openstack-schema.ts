/**
 * The OpenStack plugins of the configuration file: `glance-image` (the Glance image plugin,
 * `OS::Glance::Image`) and `cinder-volume` (the Cinder volume plugin, `OS::Cinder::Volume`) —
 * their TypeScript shape, their JSON schemas (branches of the `plugins` discriminator in
 * `config-schema.ts`) and the checks ajv cannot make. Every field is described in
 * `docs/configuration.md`.
 *
 * Each names its service's endpoint and how to authenticate: Keystone v3 on a real cloud, or the
 * Keystone-less modes the local services of `scripts/glance-up.sh` and `scripts/cinder-up.sh`
 * run in (trusted identity headers for Glance, `noauth` for Cinder).
 */
import { KEYSTONE_AUTH_SCHEMA, POSITIVE_SCHEMA, TEXT_SCHEMA, URL_SCHEMA, type KeystoneAuthConfig } from './schema-parts.js';

/**
 * Glance's "trusted headers" mode: Keystone's `context` middleware without `authtoken`, so every
 * request says who it acts as (`X-Project-Id`, `X-User-Id`, `X-Roles`).
 */
export interface TrustedHeadersAuthConfig {
  readonly type: 'trusted-headers';
  /** The project to act for. @default each checkpoint's project (the caller's when listing) */
  readonly projectId?: string;
  /** The user id sent. @default 'karbor' */
  readonly userId?: string;
  /** The roles sent. @default ['admin', 'member', 'reader'] */
  readonly roles?: readonly string[];
}

/** A Glance without any authentication (every request is an admin with no project). */
export interface NoGlanceAuthConfig {
  readonly type: 'none';
}

/** How the Glance image plugin authenticates. */
export type GlanceAuthConfig = TrustedHeadersAuthConfig | NoGlanceAuthConfig | KeystoneAuthConfig;

/** Cinder's `auth_strategy = noauth_include_project_id`: URL `…/v3/<project>`, token `<user>:<project>`. */
export interface CinderNoAuthConfig {
  readonly type: 'noauth';
  /** The project to act for (hex or a UUID). @default each checkpoint's project (the caller's when listing) */
  readonly projectId?: string;
  /** The user id in the token. @default 'karbor' */
  readonly userId?: string;
}

/** How the Cinder volume plugin authenticates. */
export type CinderAuthConfig = CinderNoAuthConfig | KeystoneAuthConfig;

/** The Glance image plugin (`OS::Glance::Image`), see `docs/plugins/glance-image.md`. */
export interface GlanceImagePluginConfig {
  readonly type: 'glance-image';
  /** Glance's URL, e.g. `http://127.0.0.1:9292`. Required unless `auth` is Keystone (then: the catalog's `image` endpoint). */
  readonly endpoint?: string;
  readonly auth: GlanceAuthConfig;
  /** Chunk objects headed, deleted or copied at once. @default 8 */
  readonly concurrency?: number;
  /** Longest wait for a restored image to become `active`, in ms. @default 600_000 */
  readonly activeTimeoutMs?: number;
  /** First pause between two polls of a restored image, in ms. @default 500 */
  readonly pollIntervalMs?: number;
  /** Longest wait for one answer from Glance, in ms. @default 60_000 */
  readonly requestTimeoutMs?: number;
}

/** The Cinder volume plugin (`OS::Cinder::Volume`), see `docs/plugins/cinder-volume.md`. */
export interface CinderVolumePluginConfig {
  readonly type: 'cinder-volume';
  /**
   * Cinder's URL: the root (`http://127.0.0.1:8776`, `/v3/<project>` is appended) with `noauth`;
   * the project endpoint with Keystone, where it is optional (then: the catalog's `block-storage`).
   */
  readonly endpoint?: string;
  readonly auth: CinderAuthConfig;
  /** First pause between two status polls, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Longest pause between two status polls, in ms. @default 5000 */
  readonly maxPollIntervalMs?: number;
  /** Longest wait for a backup, a restore or a deletion, in ms. @default 1_800_000 */
  readonly backupTimeoutMs?: number;
  /** Longest wait for a busy volume or backup to settle first, in ms. @default 600_000 */
  readonly settleTimeoutMs?: number;
  /** Longest wait for one answer from Cinder, in ms. @default 60_000 */
  readonly requestTimeoutMs?: number;
}

const roles = { type: 'array', minItems: 1, items: TEXT_SCHEMA, uniqueItems: true };

const glanceAuth = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      required: ['type'],
      properties: { type: { const: 'trusted-headers' }, projectId: TEXT_SCHEMA, userId: TEXT_SCHEMA, roles },
      additionalProperties: false,
    },
    { required: ['type'], properties: { type: { const: 'none' } }, additionalProperties: false },
    KEYSTONE_AUTH_SCHEMA,
  ],
};

const cinderProject = { type: 'string', pattern: '^[0-9a-fA-F-]+$', 'x-expect': 'hex digits or a UUID (Cinder answers 404 for other project ids)' };

const cinderAuth = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      required: ['type'],
      properties: { type: { const: 'noauth' }, projectId: cinderProject, userId: TEXT_SCHEMA },
      additionalProperties: false,
    },
    KEYSTONE_AUTH_SCHEMA,
  ],
};

/** The schema of {@link GlanceImagePluginConfig}. */
export const GLANCE_IMAGE_PLUGIN_SCHEMA = {
  type: 'object',
  required: ['type', 'auth'],
  properties: {
    type: { const: 'glance-image' },
    endpoint: URL_SCHEMA,
    auth: glanceAuth,
    concurrency: POSITIVE_SCHEMA,
    activeTimeoutMs: POSITIVE_SCHEMA,
    pollIntervalMs: POSITIVE_SCHEMA,
    requestTimeoutMs: POSITIVE_SCHEMA,
  },
  additionalProperties: false,
};

/** The schema of {@link CinderVolumePluginConfig}. */
export const CINDER_VOLUME_PLUGIN_SCHEMA = {
  type: 'object',
  required: ['type', 'auth'],
  properties: {
    type: { const: 'cinder-volume' },
    endpoint: URL_SCHEMA,
    auth: cinderAuth,
    pollIntervalMs: POSITIVE_SCHEMA,
    maxPollIntervalMs: POSITIVE_SCHEMA,
    backupTimeoutMs: POSITIVE_SCHEMA,
    settleTimeoutMs: POSITIVE_SCHEMA,
    requestTimeoutMs: POSITIVE_SCHEMA,
  },
  additionalProperties: false,
};

/**
 * What the schemas cannot say about the OpenStack plugin at `at` (`plugins.images`): only
 * Keystone finds an endpoint by itself, and a Keystone token needs a project scope to carry a
 * service catalog.
 */
export function openStackPluginProblems(at: string, plugin: GlanceImagePluginConfig | CinderVolumePluginConfig): string[] {
  const problems: string[] = [];
  const { auth } = plugin;
  if (auth.type === 'keystone') {
    if (auth.projectId === undefined && auth.projectName === undefined) {
      problems.push(`${at}.auth needs projectId or projectName: the Keystone token must be scoped to a project to carry a service catalog`);
    }
  } else if (plugin.endpoint === undefined) {
    problems.push(`${at}.endpoint is required with auth type "${auth.type}" (only Keystone auth can find the endpoint in its catalog)`);
  }
  if (plugin.type === 'cinder-volume' && plugin.maxPollIntervalMs !== undefined && plugin.maxPollIntervalMs < (plugin.pollIntervalMs ?? 1000)) {
    problems.push(`${at}.maxPollIntervalMs must be at least pollIntervalMs (${plugin.pollIntervalMs ?? 1000}), got ${plugin.maxPollIntervalMs}`);
  }
  return problems;
}
