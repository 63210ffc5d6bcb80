/**
 * Plugins from the configuration. Each provider gets its own instances (a plugin's registry is
 * per provider). Only the local-directory plugin exists in the embedded default; the OpenStack
 * mode (issue 7, item 2) adds the Cinder-volume and Glance-image plugins as new cases here,
 * with their schemas in `config-schema.ts`.
 */
import type { ProtectablePlugin, ProtectionPlugin } from 'karbor-ts';
import { createLocalDirectoryPlugin } from 'karbor-ts/plugins/local-directory';
import { underDataDir } from './banks.js';
import type { PluginConfig } from './config-schema.js';

/** A configured plugin, ready for a provider. */
export interface CreatedPlugin {
  readonly protection: ProtectionPlugin;
  readonly protectable?: ProtectablePlugin;
  /** For the banner: what it protects, e.g. `demo → /abs/path`. */
  readonly summary: readonly string[];
}

/** The directories of a local-directory plugin, resolved (relative paths are under the data directory). */
export function directoriesOf(config: PluginConfig, dataDir: string): Record<string, string> {
  return Object.fromEntries(Object.entries(config.directories).map(([name, path]) => [name, underDataDir(dataDir, path)]));
}

/** Creates the plugin `name` of the configuration; errors name it (`plugins.<name>: …`). */
export function createConfiguredPlugin(name: string, config: PluginConfig, dataDir: string): CreatedPlugin {
  try {
    switch (config.type) {
      case 'local-directory': {
        const directories = directoriesOf(config, dataDir);
        const { protection, protectable } = createLocalDirectoryPlugin({
          directories,
          name,
          ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
          ...(config.chunkSize === undefined ? {} : { chunkSize: config.chunkSize }),
        });
        return { protection, protectable, summary: Object.entries(directories).map(([id, path]) => `${protection.name}: ${id} → ${path}`) };
      }
    }
  } catch (error) {
    throw new Error(`plugins.${name}: ${(error as Error).message}`, { cause: error });
  }
}
