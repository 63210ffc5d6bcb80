/**
 * The example service's configuration file: its TypeScript shape and the JSON schema it is
 * validated with (ajv). Every field is described in `docs/configuration.md`.
 *
 * Banks and plugins are named entries; providers refer to them by name. A bank's or plugin's
 * `type` selects its options (an ajv discriminator, so an error names the right branch). The
 * OpenStack plugins' types and schemas are in `openstack-schema.ts`; the pieces both use are in
 * `schema-parts.ts`.
 */
import { CINDER_VOLUME_PLUGIN_SCHEMA, GLANCE_IMAGE_PLUGIN_SCHEMA, type CinderVolumePluginConfig, type GlanceImagePluginConfig } from './openstack-schema.js';
import { KEYSTONE_AUTH_SCHEMA, NAME_SCHEMA as name, URL_SCHEMA, POSITIVE_SCHEMA as positive, TEXT_SCHEMA as text, UUID_SCHEMA as uuid, type KeystoneAuthConfig } from './schema-parts.js';
import type { KeystoneAuthenticatorOptions } from 'karbor-ts/http';

/** Where the HTTP API listens. */
export interface ListenConfig {
  /** The address. @default '127.0.0.1' */
  readonly host: string;
  /** The port; 0 picks a free one. `PORT` overrides it. @default 8799 */
  readonly port: number;
}

/** A filesystem bank. */
export interface FsBankConfig {
  readonly type: 'fs';
  /** The bank's directory; relative paths are under the data directory. */
  readonly path: string;
  /** fsync every write. @default false */
  readonly durable?: boolean;
}

/** An OpenStack Swift bank: the options of `createSwiftDriver` (`karbor-ts/bank/drivers/swift`). */
export interface SwiftBankConfig {
  readonly type: 'swift';
  readonly container: string;
  readonly auth: { readonly type: 'tempauth'; readonly authUrl: string; readonly user: string; readonly key: string } | KeystoneAuthConfig;
  readonly segmentsContainer?: string;
  readonly leasesContainer?: string;
  readonly storageUrl?: string;
  /** Start with this token (needs `storageUrl`); it is replaced after the first 401. */
  readonly initialToken?: string;
  /** Re-authenticate this long before a token expires. @default 60_000 */
  readonly tokenRefreshMarginMs?: number;
  readonly sloThreshold?: number;
  readonly segmentSize?: number;
  readonly maxSegments?: number;
  readonly listPageSize?: number;
  readonly singleWriter?: boolean;
}

/** An S3 bank: the options of `createS3Driver` (`karbor-ts/bank/drivers/s3`). */
export interface S3BankConfig {
  readonly type: 's3';
  readonly bucket: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly forcePathStyle?: boolean;
  readonly createBucket?: boolean;
  readonly multipartThreshold?: number;
  readonly partSize?: number;
  readonly queueSize?: number;
  readonly listPageSize?: number;
  readonly singleWriter?: boolean;
}

/** A bank of any kind. */
export type BankConfig = FsBankConfig | SwiftBankConfig | S3BankConfig;

/** The local-directory plugin (`OS::Local::Directory`). */
export interface LocalDirectoryPluginConfig {
  readonly type: 'local-directory';
  /** Name (the resource id) → directory; relative paths are under the data directory. */
  readonly directories: Readonly<Record<string, string>>;
  /** Create missing (or empty) directories and put a few sample files in them. @default false */
  readonly sampleFiles?: boolean;
  /** Files moved at once. @default 4 */
  readonly concurrency?: number;
  /** Read size in bytes. @default 1 MiB */
  readonly chunkSize?: number;
}

/**
 * A plugin of any kind. A new kind is a new `type` of this union, of `PLUGIN_SCHEMAS` below and
 * of `createConfiguredPlugin` in `plugins.ts`.
 */
export type PluginConfig = LocalDirectoryPluginConfig | GlanceImagePluginConfig | CinderVolumePluginConfig;

/** A provider: a main bank, copy destinations and plugins, all by name. */
export interface ProviderConfigEntry {
  /** A UUID: the `karbor` client refuses provider ids that are not. */
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** The main bank (a name in `banks`). */
  readonly bank: string;
  /** Copy destinations (names in `banks`); each is known to the API by its bank name. @default [] */
  readonly destinations?: readonly string[];
  /** The destination a copy goes to when a request names none. @default the only destination */
  readonly defaultDestination?: string;
  /** Plugins (names in `plugins`). */
  readonly plugins: readonly string[];
}

/** A token of the tokens table. */
export interface TokenConfig {
  /** The secret (at least 16 characters), sent as `X-Auth-Token`. */
  readonly token: string;
  /** The user's id. */
  readonly user: string;
  /** The project; the service's generated project when absent. */
  readonly project?: string;
  /** Role names (`admin` makes an admin). @default ['member'] */
  readonly roles?: readonly string[];
  /** When the token stops working (ISO 8601). */
  readonly expiresAt?: string;
}

/**
 * Keystone v3 validation of the API's tokens (`createKeystoneAuthenticator`'s options but its
 * timeout): users bring their own Keystone tokens (the `karbor` client with an openrc), which a
 * service user checks.
 */
export type KeystoneValidationConfig = Omit<KeystoneAuthenticatorOptions, 'timeoutMs'>;

/** The whole configuration, with every default applied. */
export interface ServiceConfig {
  readonly listen: ListenConfig;
  /** Log lines (JSON, on stderr) at this level and above. @default 'warn' */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly banks: Readonly<Record<string, BankConfig>>;
  readonly plugins: Readonly<Record<string, PluginConfig>>;
  readonly providers: readonly ProviderConfigEntry[];
  /** Tokens besides the generated admin token. */
  readonly tokens: readonly TokenConfig[];
  /** Also accept Keystone tokens, validated there; absent: the tokens table alone. */
  readonly keystone?: KeystoneValidationConfig;
  /** Policy rule overrides, e.g. `{ "plan:delete": "rule:admin_api" }`. */
  readonly policy: Readonly<Record<string, string>>;
}

/** A configuration file: any top-level field may be left out (its default is used). */
export type ServiceConfigFile = Partial<Omit<ServiceConfig, 'listen'>> & { readonly listen?: Partial<ListenConfig> };

const fsBank = {
  type: 'object',
  required: ['type', 'path'],
  properties: { type: { const: 'fs' }, path: text, durable: { type: 'boolean' } },
  additionalProperties: false,
};

const swiftAuth = {
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      required: ['type', 'authUrl', 'user', 'key'],
      properties: { type: { const: 'tempauth' }, authUrl: text, user: text, key: text },
      additionalProperties: false,
    },
    KEYSTONE_AUTH_SCHEMA,
  ],
};

const swiftBank = {
  type: 'object',
  required: ['type', 'container', 'auth'],
  properties: {
    type: { const: 'swift' },
    container: text,
    auth: swiftAuth,
    segmentsContainer: text,
    leasesContainer: text,
    storageUrl: text,
    initialToken: text,
    tokenRefreshMarginMs: { type: 'integer', minimum: 0 },
    sloThreshold: positive,
    segmentSize: positive,
    maxSegments: positive,
    listPageSize: positive,
    singleWriter: { type: 'boolean' },
  },
  dependencies: { initialToken: ['storageUrl'] },
  additionalProperties: false,
};

const s3Bank = {
  type: 'object',
  required: ['type', 'bucket'],
  properties: {
    type: { const: 's3' },
    bucket: text,
    endpoint: text,
    region: text,
    credentials: {
      type: 'object',
      required: ['accessKeyId', 'secretAccessKey'],
      properties: { accessKeyId: text, secretAccessKey: text, sessionToken: text },
      additionalProperties: false,
    },
    forcePathStyle: { type: 'boolean' },
    createBucket: { type: 'boolean' },
    multipartThreshold: positive,
    partSize: positive,
    queueSize: positive,
    listPageSize: positive,
    singleWriter: { type: 'boolean' },
  },
  additionalProperties: false,
};

const localDirectoryPlugin = {
  type: 'object',
  required: ['type', 'directories'],
  properties: {
    type: { const: 'local-directory' },
    directories: { type: 'object', minProperties: 1, propertyNames: name, additionalProperties: text },
    sampleFiles: { type: 'boolean' },
    concurrency: positive,
    chunkSize: { type: 'integer', minimum: 1024 },
  },
  additionalProperties: false,
};

/** The plugin schemas, one per `type`. */
const PLUGIN_SCHEMAS = [localDirectoryPlugin, GLANCE_IMAGE_PLUGIN_SCHEMA, CINDER_VOLUME_PLUGIN_SCHEMA];

const provider = {
  type: 'object',
  required: ['id', 'name', 'bank', 'plugins'],
  properties: {
    id: uuid,
    name: { type: 'string', minLength: 1, maxLength: 255 },
    description: { type: 'string', maxLength: 4096 },
    bank: name,
    destinations: { type: 'array', items: name, uniqueItems: true },
    defaultDestination: name,
    plugins: { type: 'array', minItems: 1, items: name, uniqueItems: true },
  },
  additionalProperties: false,
};

const token = {
  type: 'object',
  required: ['token', 'user'],
  properties: {
    token: { type: 'string', minLength: 16, 'x-expect': 'a string of at least 16 characters' },
    user: text,
    project: { type: 'string', minLength: 1, maxLength: 255 },
    roles: { type: 'array', items: text, uniqueItems: true },
    expiresAt: { type: 'string', pattern: '^\\d{4}-\\d\\d-\\d\\dT', 'x-expect': 'an ISO 8601 date and time, e.g. 2030-01-01T00:00:00Z' },
  },
  additionalProperties: false,
};

const keystone = {
  type: 'object',
  required: ['authUrl', 'username', 'password', 'projectName'],
  properties: {
    authUrl: URL_SCHEMA,
    username: text,
    password: text,
    userDomainName: text,
    projectName: text,
    projectDomainName: text,
    cacheTtlMs: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
};

/** The JSON schema of a configuration file. */
export const CONFIG_FILE_SCHEMA = {
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    listen: {
      type: 'object',
      properties: { host: text, port: { type: 'integer', minimum: 0, maximum: 65535 } },
      additionalProperties: false,
    },
    logLevel: { enum: ['debug', 'info', 'warn', 'error'] },
    banks: {
      type: 'object',
      minProperties: 1,
      propertyNames: name,
      additionalProperties: { type: 'object', discriminator: { propertyName: 'type' }, oneOf: [fsBank, swiftBank, s3Bank] },
    },
    plugins: {
      type: 'object',
      minProperties: 1,
      propertyNames: name,
      additionalProperties: { type: 'object', discriminator: { propertyName: 'type' }, oneOf: PLUGIN_SCHEMAS },
    },
    providers: { type: 'array', minItems: 1, items: provider },
    tokens: { type: 'array', items: token },
    keystone,
    policy: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
} as const;
