/**
 * One service per data directory. Two processes on one directory would share a node owner id,
 * so each would take the other's running work for its own interrupted work and reap it; the
 * filesystem banks are also single-process. `DATA_DIR/service.lock` holds the running
 * service's pid; a lock whose process is gone (a crash, a second Ctrl-C) is taken over.
 */
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file's name in the data directory. */
export const LOCK_FILE = 'service.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory's lock, creating the directory (mode 0700) when missing; resolves to
 * its release. Throws when a live service holds it.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`Another example service (pid ${pid}) is using the data directory ${dataDir}: stop it, or set DATA_DIR to another directory.`);
    }
    await unlink(path).catch(() => undefined);
  }
}
