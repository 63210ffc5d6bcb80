/**
 * Runs the example service the way its npm scripts do — as a child process, with the command
 * package.json gives (or a script path), an environment cleaned of anything that would steer
 * it, a fresh data directory and any free port — and reads its banner: the URL, the project,
 * the admin token and the `karbor` command line.
 *
 * Every child is remembered; {@link killLaunched} (in an `afterAll`) kills those still running.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (the working directory of `npm run`). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A program and its arguments. */
export type Command = readonly [file: string, args: readonly string[]];

/** How a child ended, with everything it printed. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A launched child: its process, its end, and its output so far. */
export interface Launched {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  output(): { stdout: string; stderr: string };
}

/** A service that printed its banner. */
export interface RunningService extends Launched {
  /** The whole banner (stdout up to `Listening on <url>`). */
  readonly banner: string;
  /** The base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The project's endpoint, `<url>/v1/<project>`. */
  readonly karborUrl: string;
  /** The generated project id. */
  readonly project: string;
  /** The admin token. */
  readonly token: string;
  /** The `karbor …` command line the banner prints. */
  readonly karborLine: string;
}

/** Variables that steer the service or the walkthrough; a child gets them only when a test sets them. */
const STEERING = ['PORT', 'DATA_DIR', 'KARBOR_CONFIG', 'KARBOR_URL', 'KARBOR_PROJECT', 'KARBOR_TOKEN', 'KARBOR_PROVIDER', 'DEMO_DIRECTORY', 'KARBOR_CONTAINER_PREFIX'];

const launched = new Set<ChildProcess>();

/** The scripts of package.json. */
export function npmScripts(): Readonly<Record<string, string>> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
}

/**
 * The program and arguments of an npm script that runs `exec node …` or `exec bash …` (exec:
 * npm's child is the service itself, so npm's signals reach it), so a test runs exactly what
 * `npm run <script>` would. Throws when the script is missing or has another form.
 */
export function commandOf(script: string): Command {
  const command = npmScripts()[script];
  if (command === undefined) throw new Error(`package.json has no "${script}" script`);
  const [exec, program, ...args] = command.split(/\s+/);
  if (exec !== 'exec' || (program !== 'node' && program !== 'bash')) throw new Error(`the "${script}" script is not "exec node …" or "exec bash …": ${command}`);
  return [program === 'node' ? process.execPath : 'bash', args];
}

/** The node arguments of an npm script that runs `exec node …`; throws for an `exec bash …` script. */
export function nodeArgs(script: string): readonly string[] {
  const [file, args] = commandOf(script);
  if (file !== process.execPath) throw new Error(`the "${script}" script does not run node: ${npmScripts()[script]}`);
  return args;
}

/** The environment of a child: ours without the {@link STEERING} variables, plus `env`. */
export function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of STEERING) delete clean[name];
  return { ...clean, ...env };
}

/** Runs `command` (plus `args`) in the repository root; resolves `exited` once it ends. */
export function launch(command: Command, env: Readonly<Record<string, string>>, args: readonly string[] = []): Launched {
  const [file, commandArgs] = command;
  const child = spawn(file, [...commandArgs, ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  launched.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/**
 * Runs node with `args` in the repository root and resolves once it ends (killed after
 * `timeoutMs`); a run that fails still resolves, with its exit code (or `null`) and signal.
 */
export function runNode(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: REPO_ROOT, env: childEnv(env), timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
    });
  });
}

function bannerField(banner: string, pattern: RegExp): string {
  const match = pattern.exec(banner);
  if (match === null) throw new Error(`the banner does not match ${pattern}:\n${banner}`);
  return match[1]!;
}

/**
 * Launches the service and waits (at most `timeoutMs`) for the banner's last line,
 * `Listening on <url>`; rejects with the output when it exits first or takes longer.
 */
export async function startService(command: Command, env: Readonly<Record<string, string>>, args: readonly string[] = [], timeoutMs = 60_000): Promise<RunningService> {
  const service = launch(command, env, args);
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${timeoutMs / 1000} s; output so far:\n${JSON.stringify(service.output())}`)), timeoutMs);
    const check = (): void => {
      if (/^Listening on \S+$/m.test(service.output().stdout)) {
        clearTimeout(timer);
        resolve(service.output().stdout);
      }
    };
    service.child.stdout!.on('data', check);
    void service.exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${exit.code ?? exit.signal}) before its banner:\n${exit.stdout}\n${exit.stderr}`));
    });
  });
  return {
    ...service,
    banner,
    url: bannerField(banner, /^Listening on (\S+)$/m),
    karborUrl: bannerField(banner, /^ {2}API +(\S+)$/m),
    project: bannerField(banner, /^ {2}Project +(\S+)$/m),
    token: bannerField(banner, /^ {2}Token +(\S+)/m),
    karborLine: bannerField(banner, /^ {2}(karbor --os-no-client-auth .+)$/m),
  };
}

/** GETs `path` below the service's project endpoint with `token` (the admin token by default): the status and the JSON body. */
export async function api(service: RunningService, path: string, token = service.token): Promise<{ status: number; body: any }> {
  const response = await fetch(`${service.karborUrl}${path}`, { headers: { 'X-Auth-Token': token } });
  return { status: response.status, body: await response.json() };
}

/** Kills (SIGKILL) every launched child that is still running. */
export function killLaunched(): void {
  for (const child of launched) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
