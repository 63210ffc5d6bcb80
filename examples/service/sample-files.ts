/**
 * Sample files for a fresh start, so the demo directory has something to protect: a few small
 * text files and one larger binary (the object the walkthrough damages in the main bank).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const README = `This directory was created by the karbor-ts example service as something to protect.

Protect it, copy the checkpoint to region-b, verify both and restore it: \`npm run demo\`
does all of that through the HTTP API. Add, change or remove files as you like; the next
checkpoint takes them as they are then.
`;

const TODO = `# To do

- [x] protect the demo directory
- [x] copy the checkpoint to the second region
- [ ] verify both copies before trusting either
- [ ] restore from whichever one is intact
`;

function measurements(rows: number): string {
  const lines = ['time,sensor,celsius'];
  for (let row = 0; row < rows; row++) {
    const time = new Date(Date.UTC(2024, 0, 1) + row * 60_000).toISOString();
    lines.push(`${time},sensor-${row % 7},${(18 + 6 * Math.sin(row / 90)).toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function isMissingOrEmpty(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Creates `path` with the sample files when it is missing or empty; leaves it alone otherwise.
 * Resolves to whether it wrote anything.
 */
export async function fillSampleDirectory(path: string): Promise<boolean> {
  if (!(await isMissingOrEmpty(path))) return false;
  await mkdir(join(path, 'notes'), { recursive: true });
  await mkdir(join(path, 'data'), { recursive: true });
  await writeFile(join(path, 'README.txt'), README);
  await writeFile(join(path, 'notes', 'todo.md'), TODO);
  await writeFile(join(path, 'data', 'measurements.csv'), measurements(5000));
  await writeFile(join(path, 'data', 'archive.bin'), randomBytes(8 * 1024 * 1024));
  return true;
}
