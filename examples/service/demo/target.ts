/**
 * Which service the walkthrough drives, and where its banks are: `KARBOR_URL`,
 * `KARBOR_PROJECT` and `KARBOR_TOKEN` when set, otherwise what the running example service
 * wrote to `DATA_DIR/service.json` (`DATA_DIR` defaults to `./.data`, as for `npm start`).
 */
import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR } from '../settings.js';
import { readState, STATE_FILE, type RuntimeInfo } from '../state-file.js';

/** The service to drive. */
export interface DemoTarget {
  /** The project's API endpoint, `http://host:port/v1/<project>`. */
  readonly endpoint: string;
  /** The token sent as `X-Auth-Token`. */
  readonly token: string;
  /** The data directory (restores go under it; its banks are damaged). */
  readonly dataDir: string;
  /** The providers and their banks, when the state file says. */
  readonly providers?: RuntimeInfo['providers'];
}

/** Reads the target from the environment and the state file; throws with what to do when neither says. */
export async function findTarget(env: NodeJS.ProcessEnv): Promise<DemoTarget> {
  const dataDir = resolve(env['DATA_DIR'] || DEFAULT_DATA_DIR);
  const state = await readState(dataDir);
  const url = (env['KARBOR_URL'] || state?.url || '').replace(/\/+$/, '');
  if (url === '') {
    throw new Error(
      `No service to drive: ${resolve(dataDir, STATE_FILE)} does not exist. Start the example service first (\`npm start\`, with the same DATA_DIR), ` +
        'or set KARBOR_URL, KARBOR_PROJECT and KARBOR_TOKEN.',
    );
  }
  const inUrl = /\/v1\/([^/]+)$/.exec(url);
  const project = env['KARBOR_PROJECT'] || inUrl?.[1] || state?.projectId;
  const token = env['KARBOR_TOKEN'] || state?.adminToken;
  if (!project) throw new Error('No project: set KARBOR_PROJECT (or give KARBOR_URL as http://host:port/v1/<project>).');
  if (!token) throw new Error('No token: set KARBOR_TOKEN.');
  const root = inUrl ? url.slice(0, inUrl.index) : url;
  return { endpoint: `${root}/v1/${project}`, token, dataDir, ...(state?.providers ? { providers: state.providers } : {}) };
}
