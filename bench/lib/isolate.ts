/**
 * Runs one benchmark case in a fresh Node process, so that the cases' memory figures (peak
 * RSS is a process-wide high-water mark) and JIT state do not pollute each other.
 *
 * The parent calls {@link runIsolated} with the bench file and a case name; the child (the
 * same file, started through `child_process.fork` with the parent's loader flags plus
 * `--expose-gc`) sees the case in {@link isolatedCase}, runs it, and sends its result back
 * with {@link reply}.
 *
 * @module
 */
import { fork } from 'node:child_process';

const FLAG = '--isolated-case';

/** The case this process was forked to run, or undefined in the parent. */
export function isolatedCase(): string | undefined {
  const at = process.argv.indexOf(FLAG);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Sends the child's result to the parent and lets the child exit. */
export function reply(result: unknown): void {
  process.send!(result, () => process.disconnect());
}

/**
 * Forks `file` for case `name` and resolves with the value the child passes to {@link reply}.
 * With `plain`, the child gets none of the parent's loader flags (for a prebuilt `.mjs` file,
 * so a memory figure carries no loader baseline).
 */
export function runIsolated<T>(file: string, name: string, execArgv: readonly string[] = [], options: { plain?: boolean } = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(file, [FLAG, name], {
      execArgv: [...(options.plain ? [] : process.execArgv), '--expose-gc', ...execArgv],
      stdio: 'inherit',
      serialization: 'advanced', // keeps Infinity, NaN, Maps… intact
    });
    let result: { value: T } | undefined;
    child.once('message', (value) => (result = { value: value as T }));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result.value);
      else reject(new Error(`Bench case "${name}" exited with ${signal ?? `code ${code}`} and no result`));
    });
  });
}
