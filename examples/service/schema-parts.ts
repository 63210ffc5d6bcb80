/**
 * JSON-schema pieces the configuration schemas share (`config-schema.ts`,
 * `openstack-schema.ts`): names, non-empty strings, positive integers, UUIDs, URLs and the
 * Keystone v3 password authentication of Swift banks and OpenStack plugins.
 *
 * `x-expect` is read by the error formatter in `config.ts`: a value that breaks the schema is
 * reported as `<field> must be <x-expect>, got <value>`.
 */

/** A bank, plugin or directory name: letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
export const NAME_SCHEMA = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', 'x-expect': 'a name of letters, digits, ".", "_" and "-"' };

/** A non-empty string. */
export const TEXT_SCHEMA = { type: 'string', minLength: 1 };

/** An integer ≥ 1. */
export const POSITIVE_SCHEMA = { type: 'integer', minimum: 1 };

/** A UUID (provider ids: the karbor client refuses others). */
export const UUID_SCHEMA = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  'x-expect': 'a UUID such as 69903aa7-97ac-4cf4-8900-6a687a4a493e (the karbor client checks provider ids)',
};

/** An `http://` or `https://` URL. */
export const URL_SCHEMA = { type: 'string', pattern: '^https?://[^\\s/?#]+[^\\s]*$', 'x-expect': 'an http:// or https:// URL such as http://127.0.0.1:9292' };

/** Keystone v3 password authentication, scoped to a project (Swift banks and OpenStack plugins). */
export interface KeystoneAuthConfig {
  readonly type: 'keystone';
  /** The identity endpoint, e.g. `http://keystone:5000/v3` (`/v3` is appended when missing). */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  /** The user's domain by name. @default 'Default' (when no `userDomainId`) */
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  /** The project to scope the token to, by name (with its domain) … */
  readonly projectName?: string;
  /** … or by id. */
  readonly projectId?: string;
  /** The project's domain by name. @default the user's domain */
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  /** The catalog region. @default the first endpoint of the service type */
  readonly region?: string;
  /** The catalog interface. @default 'public' */
  readonly interface?: 'public' | 'internal' | 'admin';
}

/** The schema of {@link KeystoneAuthConfig}: one branch of an `auth` discriminator on `type`. */
export const KEYSTONE_AUTH_SCHEMA = {
  required: ['type', 'authUrl', 'username', 'password'],
  properties: {
    type: { const: 'keystone' },
    authUrl: TEXT_SCHEMA,
    username: TEXT_SCHEMA,
    password: TEXT_SCHEMA,
    userDomainName: TEXT_SCHEMA,
    userDomainId: TEXT_SCHEMA,
    projectName: TEXT_SCHEMA,
    projectId: TEXT_SCHEMA,
    projectDomainName: TEXT_SCHEMA,
    projectDomainId: TEXT_SCHEMA,
    region: TEXT_SCHEMA,
    interface: { enum: ['public', 'internal', 'admin'] },
  },
  additionalProperties: false,
};
