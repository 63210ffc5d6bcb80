/**
 * The service's state file, `DATA_DIR/service.json` (mode 0600: it holds the admin token).
 *
 * The identity part — project id, admin token and node owner id — is generated on the first
 * start and kept, so a restart answers the same token, serves the same project and reaps its
 * own interrupted work at once (work is recognised by its owner id). The runtime part — the URL
 * the API listens on, the pid, each provider's banks — is rewritten on every start, for the
 * walkthrough (`npm run demo`) and for people.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OWNER_ID_PATTERN } from 'karbor-ts/bank';

/** The state file's name in the data directory. */
export const STATE_FILE = 'service.json';

/** What is generated once and kept. */
export interface Identity {
  /** The project the admin token is scoped to (32 hex digits, as Keystone's). */
  readonly projectId: string;
  /** The admin token (`X-Auth-Token`). */
  readonly adminToken: string;
  /** The node's owner id: leases, claims and running records name it. */
  readonly ownerId: string;
  /** When it was generated. */
  readonly createdAt: string;
}

/** A bank as the state file describes it. */
export interface BankDescription {
  readonly type: 'fs' | 'swift' | 's3';
  /** The directory of a filesystem bank. */
  readonly path?: string;
  /** The Swift container or S3 bucket. */
  readonly container?: string;
}

/** What is rewritten on every start. */
export interface RuntimeInfo {
  /** The server's base URL, e.g. `http://127.0.0.1:8799`. */
  readonly url: string;
  /** The API endpoint of the project, `url/v1/<projectId>` (the karbor client's `--karbor-url`). */
  readonly karborUrl: string;
  /** The service's process id. */
  readonly pid: number;
  /** When it started. */
  readonly startedAt: string;
  /** Each provider with its banks (`main` and the destinations). */
  readonly providers: ReadonlyArray<{ readonly id: string; readonly name: string; readonly banks: Readonly<Record<string, BankDescription>> }>;
}

/** The whole file. */
export type ServiceState = Identity & Partial<RuntimeInfo>;

/** Reads the state file; `undefined` when there is none. Throws when it is damaged. */
export async function readState(dataDir: string): Promise<ServiceState | undefined> {
  const path = join(dataDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const damaged = (why: string): Error =>
    new Error(`${path} is damaged (${why}). Move it away to start with a new project and token (the records of the old project stay in the data directory).`);
  let state: Partial<ServiceState>;
  try {
    state = JSON.parse(text) as Partial<ServiceState>;
  } catch {
    throw damaged('not JSON');
  }
  if (typeof state.projectId !== 'string' || state.projectId === '') throw damaged('no projectId');
  if (typeof state.adminToken !== 'string' || state.adminToken.length < 16) throw damaged('no adminToken of 16 characters or more');
  if (typeof state.ownerId !== 'string' || !OWNER_ID_PATTERN.test(state.ownerId)) throw damaged('no valid ownerId');
  return state as ServiceState;
}

/** Writes the state file atomically (a temporary file renamed over it), mode 0600. */
export async function writeState(dataDir: string, state: ServiceState): Promise<void> {
  const path = join(dataDir, STATE_FILE);
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/** The kept identity, generated (and written) on the first start. */
export async function loadOrCreateIdentity(dataDir: string): Promise<{ identity: Identity; created: boolean }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const state = await readState(dataDir);
  if (state !== undefined) {
    const { projectId, adminToken, ownerId, createdAt } = state;
    return { identity: { projectId, adminToken, ownerId, createdAt }, created: false };
  }
  const identity: Identity = {
    projectId: randomUUID().replace(/-/g, ''),
    adminToken: randomBytes(24).toString('base64url'),
    ownerId: `node-${randomUUID()}`,
    createdAt: new Date().toISOString(),
  };
  await writeState(dataDir, identity);
  return { identity, created: true };
}
