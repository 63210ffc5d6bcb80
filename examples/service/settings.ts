/**
 * What the command line and the environment say: the configuration file (`--config` or
 * `KARBOR_CONFIG`), the data directory (`DATA_DIR`) and the port (`PORT`, over the file's).
 */
import { resolve } from 'node:path';
import { ConfigError } from './config.js';

/** The data directory when `DATA_DIR` is not set (relative to the working directory). */
export const DEFAULT_DATA_DIR = './.data';

/** The service's settings before the configuration file is read. */
export interface Settings {
  /** The configuration file, when one is given. */
  readonly configPath?: string;
  /** The data directory (absolute). */
  readonly dataDir: string;
  /** `PORT`, which overrides the configuration's `listen.port`. */
  readonly port?: number;
  /** `--help` was asked for. */
  readonly help: boolean;
}

/** The usage text. */
export const USAGE = `Usage: npm start [-- --config <file>]

Starts the karbor-ts example service: the Karbor v1 HTTP API over a protection service with
SQLite records, filesystem banks and the local-directory plugin. \`npm run start:openstack\`
runs it over the local Swift, Glance and Cinder instead (see docs/configuration.md).

Options:
  --config <file>   configuration file (JSON; see docs/configuration.md). Also KARBOR_CONFIG.
  --help            this text.

Environment:
  DATA_DIR          where records, banks, sample files and credentials live (default ${DEFAULT_DATA_DIR})
  PORT              the port to listen on, over the configuration's listen.port (default 8799; 0 = any free port)
  KARBOR_CONFIG     configuration file, when --config is not given
`;

/** Reads the settings from `argv` (after the script) and `env`. Throws {@link ConfigError}. */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  let configPath = env['KARBOR_CONFIG'] || undefined;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--config') {
      const value = argv[++index];
      if (value === undefined || value === '') throw new ConfigError('the command line', ['--config needs a file name']);
      configPath = value;
    } else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else throw new ConfigError('the command line', [`unknown argument ${JSON.stringify(arg)} (see --help)`]);
  }
  let port: number | undefined;
  const portText = env['PORT'];
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError('the environment', [`PORT must be an integer from 0 to 65535, got ${JSON.stringify(portText)}`]);
  }
  return {
    ...(configPath === undefined ? {} : { configPath: resolve(configPath) }),
    dataDir: resolve(env['DATA_DIR'] || DEFAULT_DATA_DIR),
    ...(port === undefined ? {} : { port }),
    help,
  };
}
