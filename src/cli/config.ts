/**
 * Where the `karbor-ts` command finds the API and its credentials: flags first, then the
 * environment a `karbor` user already has — `KARBOR_URL` (the `/v1/<project>` base, as
 * `karbor --karbor-url` takes it, or the service root with `KARBOR_PROJECT`), a token
 * (`KARBOR_TOKEN` or `OS_AUTH_TOKEN`), or Keystone (`OS_AUTH_URL`, `OS_USERNAME`,
 * `OS_PASSWORD`, `OS_PROJECT_NAME`, … from an openrc file).
 *
 * @module
 */
import type { KarborClientOptions, KeystoneLogin } from '../client/index.js';

/** A mistake in how the command was called (exit status 2). */
export class UsageError extends Error {
  /** Creates a usage error with the message printed to stderr. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The connection flags (all optional; the environment fills the gaps). */
export interface ConnectionFlags {
  /** `--url`. */
  readonly url?: string;
  /** `--project`. */
  readonly project?: string;
  /** `--token`. */
  readonly token?: string;
  /** `--os-auth-url`. */
  readonly osAuthUrl?: string;
  /** `--os-username`. */
  readonly osUsername?: string;
  /** `--os-password`. */
  readonly osPassword?: string;
  /** `--os-project-name`. */
  readonly osProjectName?: string;
  /** `--os-project-id`. */
  readonly osProjectId?: string;
  /** `--os-user-domain-name`. */
  readonly osUserDomainName?: string;
  /** `--os-project-domain-name`. */
  readonly osProjectDomainName?: string;
  /** `--os-region-name`. */
  readonly osRegionName?: string;
  /** `--os-interface`. */
  readonly osInterface?: string;
  /** `--timeout` (per request, ms). */
  readonly timeout?: string;
}

/** The client options for `flags` over `env`; a {@link UsageError} when nothing usable is configured. */
export function clientOptionsFrom(flags: ConnectionFlags, env: Readonly<Record<string, string | undefined>>): KarborClientOptions {
  const pick = (flag: string | undefined, ...names: string[]): string | undefined => {
    if (flag !== undefined && flag !== '') return flag;
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };
  const url = pick(flags.url, 'KARBOR_URL');
  const project = pick(flags.project, 'KARBOR_PROJECT');
  const token = pick(flags.token, 'KARBOR_TOKEN', 'OS_AUTH_TOKEN');
  const authUrl = pick(flags.osAuthUrl, 'OS_AUTH_URL');
  const timeoutText = pick(flags.timeout, 'KARBOR_TIMEOUT');
  const timeoutMs = timeoutText === undefined ? undefined : positiveInteger(timeoutText, '--timeout');
  const common = {
    ...(url !== undefined ? { url } : {}),
    ...(project !== undefined ? { projectId: project } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    headers: { 'User-Agent': 'karbor-ts-cli' },
  };
  if (token !== undefined && (url !== undefined || authUrl === undefined)) {
    if (url === undefined) throw new UsageError('A token needs the API URL: set KARBOR_URL (http://host:port/v1/<project>) or pass --url');
    return { ...common, token };
  }
  if (authUrl !== undefined) {
    const iface = pick(flags.osInterface, 'OS_INTERFACE', 'OS_ENDPOINT_TYPE')?.replace(/URL$/, '');
    if (iface !== undefined && iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
      throw new UsageError(`Invalid interface ${JSON.stringify(iface)}: expected public, internal or admin`);
    }
    const username = pick(flags.osUsername, 'OS_USERNAME');
    const userId = pick(undefined, 'OS_USER_ID');
    const password = pick(flags.osPassword, 'OS_PASSWORD');
    if (token === undefined && (password === undefined || (username === undefined && userId === undefined))) {
      throw new UsageError('Keystone authentication needs OS_USERNAME and OS_PASSWORD (or --os-username and --os-password), or a token');
    }
    const optional = (key: keyof KeystoneLogin, value: string | undefined) => (value === undefined ? {} : { [key]: value });
    const keystone: KeystoneLogin = {
      authUrl,
      ...optional('token', token),
      ...optional('username', username),
      ...optional('userId', userId),
      ...optional('password', password),
      ...optional('userDomainName', pick(flags.osUserDomainName, 'OS_USER_DOMAIN_NAME')),
      ...optional('userDomainId', pick(undefined, 'OS_USER_DOMAIN_ID')),
      ...optional('projectName', pick(flags.osProjectName, 'OS_PROJECT_NAME', 'OS_TENANT_NAME')),
      ...optional('projectId', pick(flags.osProjectId, 'OS_PROJECT_ID', 'OS_TENANT_ID')),
      ...optional('projectDomainName', pick(flags.osProjectDomainName, 'OS_PROJECT_DOMAIN_NAME')),
      ...optional('projectDomainId', pick(undefined, 'OS_PROJECT_DOMAIN_ID')),
      ...optional('region', pick(flags.osRegionName, 'OS_REGION_NAME')),
      ...(iface !== undefined ? { interface: iface } : {}),
    };
    return { ...common, keystone };
  }
  throw new UsageError(
    'No Karbor API configured: set KARBOR_URL (http://host:port/v1/<project>) and KARBOR_TOKEN (or OS_AUTH_TOKEN), ' +
      'or Keystone credentials (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME), or pass --url and --token',
  );
}

/** `text` as a positive integer, or a {@link UsageError} naming `what`. */
export function positiveInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`Invalid ${what} ${JSON.stringify(text)}: expected a positive integer`);
  return Number(text);
}

/** `text` as a JSON object (plugin parameters), or a {@link UsageError} naming `what`. */
export function jsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Invalid ${what}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`Invalid ${what}: expected a JSON object`);
  return value as Record<string, unknown>;
}
