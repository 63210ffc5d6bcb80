/**
 * A lease owner id that survives restarts, kept in a small node-local file.
 *
 * Leases name their owner. If a node gets a new id on every start (as Karbor's bank plugins
 * did), it cannot recognise its own leases after a crash and must wait for them to expire.
 * Give {@link createBank} a stable `owner`: a configured node name, or the id this function
 * keeps in a file on the node's own disk (not in the bank, which all nodes share).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BankError } from '../core/errors.js';

/** The pattern owner ids follow: 1–128 printable ASCII characters without spaces. */
export const OWNER_ID_PATTERN: RegExp = /^[\u0021-\u007e]{1,128}$/u;

async function readOwnerId(path: string): Promise<string | undefined> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (!OWNER_ID_PATTERN.test(id)) {
      throw new BankError(`The owner id file ${path} does not hold a valid owner id`, { code: 'KTS_ERR_BANK_IO', details: { path } });
    }
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads the owner id stored at `path`, or creates it (`node-<uuid>`) when the file is absent.
 * Creation is atomic: the id is written to a temporary file and hard-linked into place, so
 * concurrent callers all end up with the one id that won.
 */
export async function loadOrCreateOwnerId(path: string): Promise<string> {
  const existing = await readOwnerId(path);
  if (existing !== undefined) return existing;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, `node-${randomUUID()}\n`, { flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  const id = await readOwnerId(path);
  if (id === undefined) throw new BankError(`The owner id file ${path} vanished while being created`, { code: 'KTS_ERR_BANK_IO', details: { path } });
  return id;
}
