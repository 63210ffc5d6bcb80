/**
 * The example service assembled from its configuration: SQLite records in the data directory,
 * the configured banks and plugins per provider, the protection service under the node's
 * stable owner id, and the Karbor API behind a tokens table (the generated admin token plus the
 * configured ones) and, when configured, Keystone, listening on the configured address.
 */
import { join } from 'node:path';
import { createConsoleLogger, type Logger } from 'karbor-ts';
import type { Bank } from 'karbor-ts/bank';
import { chainAuthenticators, createKarborApi, createKeystoneAuthenticator, createTokenTable, serveKarborApi, type Authenticator, type KarborApi, type RunningServer, type TokenEntry } from 'karbor-ts/http';
import { createProtectionService, MAIN_BANK, type ProtectionService, type ProviderConfig } from 'karbor-ts/protection';
import { createSqliteStore, type Store } from 'karbor-ts/store';
import { createConfiguredBank } from './banks.js';
import type { ServiceConfig } from './config-schema.js';
import { createConfiguredPlugin, directoriesOf } from './plugins.js';
import { fillSampleDirectory } from './sample-files.js';
import type { Identity, RuntimeInfo } from './state-file.js';

/** The records database's file name in the data directory. */
export const RECORDS_FILE = 'records.sqlite';

/** A running example service. */
export interface ExampleService {
  /** The server's base URL (with the port actually bound). */
  readonly url: string;
  /** The API endpoint of the admin's project, `url/v1/<projectId>`. */
  readonly karborUrl: string;
  /** What the state file records about this run. */
  readonly runtime: RuntimeInfo;
  /** One line per provider and per protected directory, for the banner. */
  readonly summary: readonly string[];
  /** The sample directories written on this start. */
  readonly samplesWritten: readonly string[];
  /**
   * Stops accepting connections (waiting at most `drainMs` for open requests), closes the
   * protection service (running work is cancelled and reverted) and then the store.
   */
  close(options?: { readonly drainMs?: number; readonly onStep?: (step: string) => void }): Promise<void>;
}

/** What {@link startExampleService} needs. */
export interface StartOptions {
  readonly config: ServiceConfig;
  readonly identity: Identity;
  readonly dataDir: string;
  /** `PORT`, over `config.listen.port`. */
  readonly port?: number;
}

function tokenEntries(config: ServiceConfig, identity: Identity): TokenEntry[] {
  const admin: TokenEntry = { token: identity.adminToken, userId: 'admin', projectId: identity.projectId, roles: ['admin', 'member'] };
  return [
    admin,
    ...config.tokens.map((entry) => ({
      token: entry.token,
      userId: entry.user,
      projectId: entry.project ?? identity.projectId,
      roles: entry.roles ?? ['member'],
      ...(entry.expiresAt === undefined ? {} : { expiresAt: Date.parse(entry.expiresAt) }),
    })),
  ];
}

/** The tokens table, then Keystone when configured. */
function authenticatorOf(config: ServiceConfig, identity: Identity): Authenticator {
  const table = createTokenTable(tokenEntries(config, identity));
  return config.keystone === undefined ? table : chainAuthenticators(table, createKeystoneAuthenticator(config.keystone));
}

function createApi(service: ProtectionService, config: ServiceConfig, identity: Identity, logger: Logger): KarborApi {
  // The tokens and the policy rules were checked with the configuration.
  return createKarborApi({ service, authenticator: authenticatorOf(config, identity), policy: config.policy, logger });
}

async function closeQuietly(step: string, close: () => Promise<unknown>, logger: Logger): Promise<void> {
  try {
    await close();
  } catch (error) {
    logger.error(`${step} failed`, { error: (error as Error).message });
  }
}

/** Builds everything and starts listening; on failure, closes what it had opened. */
export async function startExampleService(options: StartOptions): Promise<ExampleService> {
  const { config, identity, dataDir } = options;
  const logger = createConsoleLogger(config.logLevel, { service: 'karbor-ts-example' });

  const samplesWritten: string[] = [];
  for (const plugin of Object.values(config.plugins)) {
    if (plugin.type !== 'local-directory' || plugin.sampleFiles !== true) continue;
    for (const path of Object.values(directoriesOf(plugin, dataDir))) if (await fillSampleDirectory(path)) samplesWritten.push(path);
  }

  const summary: string[] = [];
  const providers: ProviderConfig[] = [];
  const described: RuntimeInfo['providers'][number][] = [];
  for (const entry of config.providers) {
    const banks: Record<string, Bank> = {};
    const descriptions: Record<string, RuntimeInfo['providers'][number]['banks'][string]> = {};
    for (const [as, name] of [[MAIN_BANK, entry.bank] as const, ...(entry.destinations ?? []).map((name) => [name, name] as const)]) {
      const created = await createConfiguredBank(name, config.banks[name]!, dataDir, identity.ownerId);
      banks[as] = created.bank;
      descriptions[as] = created.description;
    }
    const plugins = entry.plugins.map((name) => createConfiguredPlugin(name, config.plugins[name]!, dataDir));
    const { [MAIN_BANK]: bank, ...destinations } = banks;
    providers.push({
      id: entry.id,
      name: entry.name,
      ...(entry.description === undefined ? {} : { description: entry.description }),
      bank: bank!,
      destinations,
      ...(entry.defaultDestination === undefined ? {} : { defaultDestination: entry.defaultDestination }),
      plugins: plugins.map((plugin) => plugin.protection),
      protectables: plugins.flatMap((plugin) => (plugin.protectable ? [plugin.protectable] : [])),
    });
    described.push({ id: entry.id, name: entry.name, banks: descriptions });
    const where = (description: (typeof descriptions)[string]): string => description.path ?? `${description.type}:${description.container}`;
    summary.push(`provider ${entry.name} (${entry.id})`);
    const destinationNames = entry.destinations ?? [];
    const width = Math.max('main bank'.length, ...destinationNames.map((name) => name.length));
    summary.push(`  ${'main bank'.padEnd(width)}  ${where(descriptions[MAIN_BANK]!)}`);
    const defaultDestination = entry.defaultDestination ?? (destinationNames.length === 1 ? destinationNames[0] : undefined);
    for (const name of destinationNames) summary.push(`  ${name.padEnd(width)}  ${where(descriptions[name]!)} (copy destination${name === defaultDestination ? ', the default' : ''})`);
    for (const plugin of plugins) for (const line of plugin.summary) summary.push(`  ${'protects'.padEnd(width)}  ${line}`);
  }

  const store: Store = await createSqliteStore({ path: join(dataDir, RECORDS_FILE) });
  let service: ProtectionService | undefined;
  try {
    service = await createProtectionService({ store, ownerId: identity.ownerId, logger, providers });
    const api = createApi(service, config, identity, logger);
    const { host, port } = config.listen;
    let server: RunningServer;
    try {
      server = await serveKarborApi(api, { hostname: host, port: options.port ?? port });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint = code === 'EADDRINUSE' ? ' (the port is in use: set PORT to another port, or 0 for any free one)' : '';
      throw new Error(`Cannot listen on ${host}:${options.port ?? port}: ${(error as Error).message}${hint}`, { cause: error });
    }
    const running = service;
    const karborUrl = `${server.url}/v1/${identity.projectId}`;
    return {
      url: server.url,
      karborUrl,
      runtime: { url: server.url, karborUrl, pid: process.pid, startedAt: new Date().toISOString(), providers: described },
      summary,
      samplesWritten,
      async close({ drainMs = 5000, onStep = () => {} } = {}) {
        onStep('closing the HTTP server');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          closeQuietly('closing the HTTP server', () => server.close(), logger),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
        ]);
        clearTimeout(timer);
        onStep('stopping the protection service (running work is cancelled and reverted)');
        await closeQuietly('closing the protection service', () => running.close(), logger);
        onStep('closing the records database');
        await closeQuietly('closing the store', () => store.close(), logger);
      },
    };
  } catch (error) {
    if (service) await closeQuietly('closing the protection service', () => service!.close(), logger);
    await closeQuietly('closing the store', () => store.close(), logger);
    throw error;
  }
}
