/**
 * The walkthrough's file work: sha256 of every file of a tree, and damaging one stored object
 * of a filesystem bank the way bit rot would (one flipped bit, the bank's own metadata left as
 * it was, so only reading the bytes again can tell).
 *
 * The filesystem bank keeps each object as a directory holding a `%meta.json` sidecar and its
 * content in `%v-<version>` (`src/bank/drivers/fs-layout.ts`); a checkpoint's objects live
 * under `<bank>/checkpoints/<checkpoint id>/`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Relative path (`/`-separated) → sha256 of every regular file under `root`. */
export async function hashTree(root: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    hashes.set(relative(root, path).split(sep).join('/'), hash.digest('hex'));
  }
  return new Map([...hashes].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What {@link damageLargestObject} changed. */
export interface Damage {
  /** The content file changed. */
  readonly file: string;
  /** Its size. */
  readonly size: number;
  /** The offset of the flipped byte. */
  readonly offset: number;
}

/** Flips one bit in the middle of the largest content file under `directory` (a checkpoint's objects). */
export async function damageLargestObject(directory: string): Promise<Damage> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  let largest: { file: string; size: number } | undefined;
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.startsWith('%v-') || entry.parentPath.endsWith('.json')) continue;
    const file = join(entry.parentPath, entry.name);
    const { size } = await stat(file);
    if (largest === undefined || size > largest.size) largest = { file, size };
  }
  if (largest === undefined || largest.size === 0) throw new Error(`No stored object to damage under ${directory}`);
  const offset = Math.floor(largest.size / 2);
  const handle = await open(largest.file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0x01;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
  return { file: largest.file, size: largest.size, offset };
}
