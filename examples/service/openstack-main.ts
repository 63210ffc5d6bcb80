/**
 * `scripts/start-openstack.sh`'s first step: writes the OpenStack mode's configuration
 * (`openstack-mode.ts`) into `DATA_DIR` and prints its path, which the script then passes to
 * the service as `--config`. The Swift, Glance and Cinder coordinates come from the environment
 * `scripts/services-env.sh` exports.
 *
 * Exit codes: 0 written, 2 `DATA_DIR` missing or a variable invalid, 1 the file cannot be written.
 */
import { openStackServices, writeOpenStackConfig } from './openstack-mode.js';

function fail(code: number, message: string): never {
  process.stderr.write(`karbor-ts OpenStack mode: ${message}\n`);
  process.exit(code);
}

const dataDir = process.env['DATA_DIR'] || fail(2, 'DATA_DIR is not set (scripts/start-openstack.sh sets it; default ./.data-openstack)');
try {
  openStackServices(process.env, dataDir);
} catch (error) {
  fail(2, (error as Error).message);
}
try {
  process.stdout.write(`${await writeOpenStackConfig(dataDir, process.env)}\n`);
} catch (error) {
  fail(1, `cannot write the configuration: ${(error as Error).message}`);
}
