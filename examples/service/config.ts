/**
 * Loading the configuration: the built-in default, a JSON file over it (each top-level field
 * given replaces the default's), schema validation with ajv, then what ajv cannot check
 * (providers name banks and plugins that exist, a bank serves one provider, policy rules
 * parse…). Every problem is reported with the path of the field at fault, e.g. `providers[0].id`.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { Policy } from 'karbor-ts/http';
import { MAIN_BANK } from 'karbor-ts/protection';
import { CONFIG_FILE_SCHEMA, type ServiceConfig, type ServiceConfigFile } from './config-schema.js';
import { openStackPluginProblems } from './openstack-schema.js';

/** The default provider's id (a UUID, fixed so that a restart keeps it). */
export const DEFAULT_PROVIDER_ID = '69903aa7-97ac-4cf4-8900-6a687a4a493e';

/** The default port. */
export const DEFAULT_PORT = 8799;

/**
 * The built-in configuration: one provider over a main filesystem bank and a second one
 * standing in for another region, protecting a demo directory filled with sample files.
 */
export const DEFAULT_CONFIG: ServiceConfig = {
  listen: { host: '127.0.0.1', port: DEFAULT_PORT },
  logLevel: 'warn',
  banks: {
    main: { type: 'fs', path: 'banks/main' },
    'region-b': { type: 'fs', path: 'banks/region-b' },
  },
  plugins: {
    'local-directory': { type: 'local-directory', directories: { demo: 'demo' }, sampleFiles: true },
  },
  providers: [
    {
      id: DEFAULT_PROVIDER_ID,
      name: 'local',
      description: 'Local directories, with a second filesystem bank standing in for region B',
      bank: 'main',
      destinations: ['region-b'],
      defaultDestination: 'region-b',
      plugins: ['local-directory'],
    },
  ],
  tokens: [],
  policy: {},
};

/** A configuration that cannot be used; `problems` name the fields at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const ajv = new Ajv({ allErrors: true, discriminator: true, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'x-expect', schemaType: 'string' });
const validateFile = ajv.compile<ServiceConfigFile>(CONFIG_FILE_SCHEMA);

/** `providers[0].id`, `banks.region-b.path`, `policy["plan:delete"]` from a JSON pointer. */
function fieldPath(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path === '' ? 'the configuration' : path;
}

function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function describe(error: ErrorObject): string {
  const at = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${fieldPath(error.instancePath, String(params['missingProperty']))} is required`;
    case 'dependencies':
      return `${fieldPath(error.instancePath, String(params['missingProperty']))} is required with ${String(params['property'])}`;
    case 'additionalProperties':
      return `${fieldPath(error.instancePath, String(params['additionalProperty']))} is not a known field`;
    case 'propertyNames':
      return `${fieldPath(error.instancePath, String(params['propertyName']))}: the name is not allowed`;
    case 'discriminator':
      return params['error'] === 'mapping'
        ? `${fieldPath(error.instancePath, 'type')} must be one of ${mappingOf(error.parentSchema)}, got ${shown(params['tagValue'])}`
        : `${fieldPath(error.instancePath, 'type')} is required (a string)`;
    case 'enum':
      return `${at} must be one of ${(params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')}, got ${shown(error.data)}`;
    default: {
      const expect = (error.parentSchema as Record<string, unknown> | undefined)?.['x-expect'];
      return typeof expect === 'string' ? `${at} must be ${expect}, got ${shown(error.data)}` : `${at} ${error.message ?? 'is invalid'}, got ${shown(error.data)}`;
    }
  }
}

function mappingOf(schema: unknown): string {
  const branches = ((schema as { oneOf?: Array<{ properties?: { type?: { const?: string } } }> } | undefined)?.oneOf ?? []);
  return branches.map((branch) => JSON.stringify(branch.properties?.type?.const)).join(', ');
}

/** What ajv cannot check: names that refer to other entries, and uniqueness across entries. */
function crossCheck(config: ServiceConfig): string[] {
  const problems: string[] = [];
  const seenIds = new Map<string, number>();
  const bankUsers = new Map<string, string>();
  const useBank = (bank: string, field: string): void => {
    if (!Object.hasOwn(config.banks, bank)) {
      problems.push(`${field} names no bank of \`banks\`: ${JSON.stringify(bank)} (banks: ${Object.keys(config.banks).join(', ')})`);
      return;
    }
    const user = bankUsers.get(bank);
    if (user !== undefined) problems.push(`${field}: bank ${JSON.stringify(bank)} is already used by ${user} (a bank serves one provider, once)`);
    else bankUsers.set(bank, field);
  };
  config.providers.forEach((provider, index) => {
    const at = `providers[${index}]`;
    const first = seenIds.get(provider.id.toLowerCase());
    if (first !== undefined) problems.push(`${at}.id: providers[${first}] has the same id ${provider.id}`);
    else seenIds.set(provider.id.toLowerCase(), index);
    useBank(provider.bank, `${at}.bank`);
    const destinations = provider.destinations ?? [];
    destinations.forEach((destination, position) => {
      if (destination === MAIN_BANK) problems.push(`${at}.destinations[${position}]: "${MAIN_BANK}" is the name of every provider's main bank and cannot be a destination`);
      else useBank(destination, `${at}.destinations[${position}]`);
    });
    if (provider.defaultDestination !== undefined && !destinations.includes(provider.defaultDestination)) {
      problems.push(`${at}.defaultDestination must be one of ${at}.destinations, got ${JSON.stringify(provider.defaultDestination)}`);
    }
    provider.plugins.forEach((plugin, position) => {
      if (!Object.hasOwn(config.plugins, plugin)) {
        problems.push(`${at}.plugins[${position}] names no plugin of \`plugins\`: ${JSON.stringify(plugin)} (plugins: ${Object.keys(config.plugins).join(', ')})`);
      }
    });
  });
  for (const [name, plugin] of Object.entries(config.plugins)) {
    if (plugin.type === 'glance-image' || plugin.type === 'cinder-volume') problems.push(...openStackPluginProblems(fieldPath(`/plugins/${name}`), plugin));
  }
  const tokens = new Map<string, number>();
  config.tokens.forEach((entry, index) => {
    const first = tokens.get(entry.token);
    if (first !== undefined) problems.push(`tokens[${index}].token is the same as tokens[${first}].token`);
    else tokens.set(entry.token, index);
    if (entry.expiresAt !== undefined && Number.isNaN(Date.parse(entry.expiresAt))) problems.push(`tokens[${index}].expiresAt is not a date: ${JSON.stringify(entry.expiresAt)}`);
  });
  try {
    new Policy(config.policy);
  } catch (error) {
    problems.push(`policy: ${(error as Error).message}`);
  }
  return problems;
}

/**
 * Checks a parsed configuration file and applies the defaults: each top-level field given
 * replaces the default's (`listen` field by field). Throws {@link ConfigError}.
 */
export function resolveConfig(file: unknown, source = 'the configuration'): ServiceConfig {
  if (!validateFile(file)) throw new ConfigError(source, (validateFile.errors ?? []).map(describe));
  const config: ServiceConfig = {
    listen: { ...DEFAULT_CONFIG.listen, ...file.listen },
    logLevel: file.logLevel ?? DEFAULT_CONFIG.logLevel,
    banks: file.banks ?? DEFAULT_CONFIG.banks,
    plugins: file.plugins ?? DEFAULT_CONFIG.plugins,
    providers: file.providers ?? DEFAULT_CONFIG.providers,
    tokens: file.tokens ?? DEFAULT_CONFIG.tokens,
    ...(file.keystone === undefined ? {} : { keystone: file.keystone }),
    policy: file.policy ?? DEFAULT_CONFIG.policy,
  };
  const problems = crossCheck(config);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/** Reads, parses and resolves the configuration file at `path`. Throws {@link ConfigError}. */
export async function loadConfigFile(path: string): Promise<ServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`the file cannot be read: ${(error as Error).message}`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [`the file is not valid JSON: ${(error as Error).message}`]);
  }
  return resolveConfig(parsed, path);
}
