/**
 * Plugins from the configuration. Each provider gets its own instances (a plugin's registry is
 * per provider): the local-directory plugin of the embedded default, and the OpenStack plugins
 * (`glance-image`, `cinder-volume`) with the clients their configuration describes
 * (`openstack-clients.ts`). A new kind of plugin is a new case here, with its type and schema
 * in `config-schema.ts`.
 */
import type { ProtectablePlugin, ProtectionPlugin } from 'karbor-ts';
import { createCinderVolumePlugin } from 'karbor-ts/plugins/cinder-volume';
import { createGlanceImagePlugin } from 'karbor-ts/plugins/glance-image';
import { createLocalDirectoryPlugin } from 'karbor-ts/plugins/local-directory';
import { underDataDir } from './banks.js';
import type { LocalDirectoryPluginConfig, PluginConfig } from './config-schema.js';
import { cinderClients, describeAuth, glanceClients } from './openstack-clients.js';

/** A configured plugin, ready for a provider. */
export interface CreatedPlugin {
  readonly protection: ProtectionPlugin;
  readonly protectable?: ProtectablePlugin;
  /** For the banner: what it protects, e.g. `demo → /abs/path`. */
  readonly summary: readonly string[];
}

/** The directories of a local-directory plugin, resolved (relative paths are under the data directory). */
export function directoriesOf(config: LocalDirectoryPluginConfig, dataDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(config.directories).map(([name, path]) => [name, underDataDir(dataDir, path)]));
}

/** Only the options given, so the plugins' own defaults apply to the rest. */
function given<T extends object>(options: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function create(name: string, config: PluginConfig, dataDir: string): CreatedPlugin {
  switch (config.type) {
    case 'local-directory': {
      const directories = directoriesOf(config, dataDir);
      const { protection, protectable } = createLocalDirectoryPlugin({ directories, name, ...given({ concurrency: config.concurrency, chunkSize: config.chunkSize }) });
      return { protection, protectable, summary: Object.entries(directories).map(([id, path]) => `${protection.name}: ${id} → ${path}`) };
    }
    case 'glance-image': {
      const { protection, protectable } = createGlanceImagePlugin({
        glance: glanceClients(config),
        name,
        ...given({ concurrency: config.concurrency, activeTimeoutMs: config.activeTimeoutMs, pollIntervalMs: config.pollIntervalMs }),
      });
      const where = config.endpoint ?? 'the Keystone catalog';
      return { protection, protectable, summary: [`${protection.name}: Glance images at ${where} (${describeAuth(config)})`] };
    }
    case 'cinder-volume': {
      const { protection, protectable } = createCinderVolumePlugin({
        cinder: cinderClients(config),
        name,
        ...given({
          pollIntervalMs: config.pollIntervalMs,
          maxPollIntervalMs: config.maxPollIntervalMs,
          backupTimeoutMs: config.backupTimeoutMs,
          settleTimeoutMs: config.settleTimeoutMs,
        }),
      });
      const where = config.endpoint ?? 'the Keystone catalog';
      return { protection, protectable, summary: [`${protection.name}: Cinder volumes at ${where} (${describeAuth(config)})`] };
    }
  }
}

/** Creates the plugin `name` of the configuration; errors name it (`plugins.<name>: …`). */
export function createConfiguredPlugin(name: string, config: PluginConfig, dataDir: string): CreatedPlugin {
  try {
    return create(name, config, dataDir);
  } catch (error) {
    throw new Error(`plugins.${name}: ${(error as Error).message}`, { cause: error });
  }
}
