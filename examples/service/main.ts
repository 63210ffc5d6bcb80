/**
 * The karbor-ts example service: `npm start`.
 *
 * The Karbor v1 HTTP API on 127.0.0.1:8799 (`PORT`), over a protection service with SQLite
 * records, a main filesystem bank and a second one standing in for another region, and the
 * local-directory plugin protecting a demo directory of sample files — all under `DATA_DIR`
 * (`./.data`). A configuration file (`--config <file>` or `KARBOR_CONFIG`; see
 * docs/configuration.md) changes any of it. The first start generates a project id, an admin
 * token and the node's owner id and keeps them in `DATA_DIR/service.json`, so a restart keeps
 * everything. Ctrl-C or SIGTERM stops it cleanly (exit 0); a second Ctrl-C exits at once.
 *
 * Exit codes: 0 stopped cleanly, 1 failed to start, 2 invalid configuration, 130 second Ctrl-C.
 */
import { join } from 'node:path';
import { formatBanner } from './banner.js';
import { ConfigError, DEFAULT_CONFIG, loadConfigFile } from './config.js';
import { lockDataDir } from './lock.js';
import { startExampleService, type ExampleService } from './service.js';
import { readSettings, USAGE } from './settings.js';
import { onShutdownSignals } from './shutdown.js';
import { loadOrCreateIdentity, STATE_FILE, writeState, type Identity } from './state-file.js';

/** Starts the service; resolves to an exit code, or to `undefined` while the service runs (until a signal). */
async function main(): Promise<number | undefined> {
  const settings = readSettings(process.argv.slice(2), process.env);
  if (settings.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = settings.configPath === undefined ? DEFAULT_CONFIG : await loadConfigFile(settings.configPath);
  const unlock = await lockDataDir(settings.dataDir);
  let service: ExampleService | undefined;
  let identity: Identity;
  let created: boolean;
  try {
    ({ identity, created } = await loadOrCreateIdentity(settings.dataDir));
    service = await startExampleService({ config, identity, dataDir: settings.dataDir, ...(settings.port === undefined ? {} : { port: settings.port }) });
    await writeState(settings.dataDir, { ...identity, ...service.runtime });
  } catch (error) {
    await service?.close();
    await unlock();
    throw error;
  }
  const running = service;
  onShutdownSignals((signal) => {
    process.stdout.write(`\n${signal}: stopping (Ctrl-C again to exit at once)\n`);
    running
      .close({ onStep: (step) => process.stdout.write(`  ${step}\n`) })
      .then(unlock)
      .then(
        () => {
          process.stdout.write('Stopped.\n');
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`Stopping failed: ${(error as Error).message}\n`);
          process.exit(1);
        },
      );
  });
  process.stdout.write(
    formatBanner({
      service: running,
      identity,
      identityCreated: created,
      dataDir: settings.dataDir,
      stateFile: join(settings.dataDir, STATE_FILE),
      configSource: settings.configPath ?? 'built-in default (no --config or KARBOR_CONFIG)',
    }),
  );
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`karbor-ts example service: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`karbor-ts example service failed to start: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
