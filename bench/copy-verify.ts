/**
 * Copy and verify benchmark (issue 6): the bank copy operation between two filesystem banks
 * against `rclone copy` and `cp -r`, the local-directory plugin's full-level verify against
 * `md5sum` and `rclone md5sum`, and its checksum-level verify (etag compare, no data read) on a
 * filesystem bank and on Swift — all on one generated data set, warm page cache, in one run.
 *
 * Run: `npx tsx bench/copy-verify.ts` (or `npm run bench -- copy-verify`). Swift from
 * `scripts/swift-up.sh` (`. scripts/services-env.sh` for its address); without it the Swift rows
 * are left out. `rclone` is Debian's package (`apt-get install -y rclone`); without it its rows
 * say so. Prints tables and ratios; asserts nothing.
 *
 * - **Data set** (generated once, kept under `BENCH_CV_DIR`, default `$TMPDIR/kts-bench-copy-verify`):
 *   `BENCH_CV_GIB` GiB (default 2) as 8 files of 128 MiB, 64 of 8 MiB, 1,024 of 512 KiB and the
 *   rest of 64 KiB (at 2 GiB the first three classes already fill it: no 64 KiB file). Content
 *   is slices of a random pool with each file's number stamped in, so every file differs.
 *   It is protected once with the local-directory plugin (its protect operation, called
 *   directly with the context the protection service gives it) into the "main" filesystem bank.
 * - **Copy**: the plugin's copy operation (the bank-copy operation: incremental by etag, every
 *   write checked against the source's etag) from the main bank to an empty second
 *   filesystem bank; `cp -r` and `rclone copy` (which checks md5 after each transfer) copy the
 *   data set directory to an empty directory. Destinations are removed and `sync`ed before
 *   each copy, so no copy pays for another's writeback. Between two filesystem banks the copy
 *   is the bank-side one (`copyObjects` asks the destination section's `copyObject`, the fs
 *   driver's `copyFrom`: synchronous reads, sha256 checks against the source's sealed digest
 *   and `O_DIRECT` writes in its copy worker threads;
 *   `BENCH_CV_COPY_WORKERS` sets their number, default the driver's). A second row runs the same
 *   copy with the destination's copy workers off (`copyWorkers: 0`), so the bytes stream
 *   through `getObject` and `putObject` — the path any other pair of banks takes; a third the
 *   bank-side copy with buffered writes (`directCopies: false`). Every copy is
 *   read back and re-hashed (full verify of the copy, not timed) before its figure counts; a
 *   last row copies again onto the finished copy (everything skipped by etag).
 * - **Full verify**: the plugin's verify at level `full` (re-reads every object and re-hashes it
 *   with sha256, the hash its manifest records for that purpose); `md5sum` (one process) and
 *   `rclone md5sum` (its default 8 checkers) over the data set files.
 * - **Checksum verify**: the plugin's verify at level `checksum` (one head per object, etag vs
 *   the manifest's md5), in objects per second, best of `BENCH_CV_REPEAT` (default 5) passes.
 *   For Swift the protected resource is first copied into a Swift bank with the same copy
 *   operation (`BENCH_CV_SWIFT=all`, the default; `small` protects and copies only the 512 KiB
 *   files — same object count order, a quarter of the bytes; `off` skips Swift).
 * - Every plugin operation runs in a child process started from a plain-Node bundle of this
 *   file (tsup, into `node_modules/.cache/karbor-ts-bench/copy-verify.js`), as `bench/bank.ts`
 *   does: timings carry no TypeScript loader, and the copy's peak RSS is the kernel's
 *   high-water mark of that process, Node's baseline included (the baseline — the same bundle
 *   doing nothing — is printed with each round).
 * - `BENCH_CV_PARTS=copy,verify,swift` picks the parts (default all three); `protect` adds an
 *   informational protect of the data set into a scratch bank.
 * - "CPU s" is the CPU time (user + system, every thread and child process) each method used:
 *   on a machine shared with other work it says more about cost than the wall time does.
 * - `BENCH_CV_ROUNDS` (default 2) repeats the copy and verify comparisons; every round is
 *   printed, then the targets with the figures of every round. The machine's load average is
 *   printed with each round: other processes on a shared machine skew absolute figures more
 *   than ratios.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BankSection } from '../src/core/bank-section.js';
import type { Checkpoint } from '../src/core/checkpoint.js';
import { silentLogger } from '../src/core/logger.js';
import type { CopyContext, HookContext, ProtectContext, VerificationLevel, VerifyContext } from '../src/core/operation.js';
import { noProgress } from '../src/core/progress.js';
import type { Resource } from '../src/core/resource.js';
import { createBank, type Bank } from '../src/bank/bank.js';
import { createFsDriver } from '../src/bank/drivers/fs.js';
import { createSwiftDriver } from '../src/bank/drivers/swift.js';
import { LOCAL_DIRECTORY_TYPE, createLocalDirectoryPlugin } from '../src/plugins/local-directory/index.js';
import { isolatedCase, reply, runIsolated } from './lib/isolate.js';
import { MemoryProbe } from './lib/memory.js';
import { median, since } from './lib/stats.js';
import { SWIFT, purgeContainer, swiftLogin, type Session } from './lib/swift.js';
import { mib, num, printTable } from './lib/table.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const env = (name: string, fallback: string): string => process.env[name] || fallback;
const TOTAL = Math.round(Number(env('BENCH_CV_GIB', '2')) * GiB);
const WORK = env('BENCH_CV_DIR', join(tmpdir(), 'kts-bench-copy-verify'));
const ROUNDS = Math.max(1, Number(env('BENCH_CV_ROUNDS', '2')));
const REPEAT = Math.max(1, Number(env('BENCH_CV_REPEAT', '5')));
const SWIFT_MODE = env('BENCH_CV_SWIFT', 'all') as 'all' | 'small' | 'off';
/** The local-directory plugin's default concurrency (files or objects at once), which the bench keeps. */
const PLUGIN_CONCURRENCY = 4;
/** The destination fs driver's copy workers (`copyWorkers`); empty for the driver's default. */
const COPY_WORKERS = env('BENCH_CV_COPY_WORKERS', '') === '' ? undefined : Number(env('BENCH_CV_COPY_WORKERS', ''));
const PARTS = new Set(env('BENCH_CV_PARTS', 'copy,verify,swift').split(',').map((name) => name.trim()));

const DATA = join(WORK, 'data');
const MAIN_BANK = join(WORK, 'bank-main');
const COPY_BANK = join(WORK, 'bank-copy');
const STATE = join(WORK, 'state.json');

/** Targets of issue 6. */
const TARGET = { copyVsRclone: 3, copyVsCp: 0.7, copyRssMiB: 128, fullVsMd5sum: 1.8 };

// ---------------------------------------------------------------------------------------------
// The data set

interface FileClass {
  readonly dir: string;
  readonly size: number;
  readonly count: number;
}

function dataSet(total: number): FileClass[] {
  const fixed: FileClass[] = [
    { dir: 'large', size: 128 * MiB, count: 8 },
    { dir: 'medium', size: 8 * MiB, count: 64 },
    { dir: 'small', size: 512 * KiB, count: 1024 },
  ];
  const used = fixed.reduce((sum, item) => sum + item.size * item.count, 0);
  return [...fixed, { dir: 'tiny', size: 64 * KiB, count: Math.max(0, Math.floor((total - used) / (64 * KiB))) }];
}

const CLASSES = dataSet(TOTAL);
const BYTES = CLASSES.reduce((sum, item) => sum + item.size * item.count, 0);
const FILES = CLASSES.reduce((sum, item) => sum + item.count, 0);
/**
 * What a kept data set and main bank must match to be reused: the file classes, and the fs
 * driver's sidecar format (sidecars without the sealed sha256 would make every copy hash md5).
 */
const SPEC = JSON.stringify({ classes: CLASSES, sidecars: 'sha256+seal' });

function filePath(root: string, item: FileClass, index: number): string {
  return join(root, item.dir, String(Math.floor(index / 256)).padStart(2, '0'), `f${String(index).padStart(5, '0')}.bin`);
}

/** Writes the data set: slices of a 32 MiB random pool, each file's number stamped in its first bytes. */
function generate(root: string, classes: readonly FileClass[]): void {
  const pool = randomBytes(32 * MiB);
  let serial = 0;
  for (const item of classes) {
    for (let index = 0; index < item.count; index++, serial++) {
      const path = filePath(root, item, index);
      mkdirSync(join(path, '..'), { recursive: true });
      const fd = openSync(path, 'w');
      try {
        for (let written = 0; written < item.size; ) {
          const piece = Math.min(16 * MiB, item.size - written);
          const offset = ((serial * 7919 + written / 4096) * 4096) % (16 * MiB);
          const slice = pool.subarray(offset, offset + piece);
          slice.writeUInt32BE(serial, 0);
          slice.writeUInt32BE(written / 4096, 4);
          written += writeSync(fd, slice);
        }
      } finally {
        closeSync(fd);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running the plugin's operations (in child processes)

const RESOURCE: Resource = { type: LOCAL_DIRECTORY_TYPE, id: 'dataset', name: 'dataset', extraInfo: {} };
const RESOURCE_KEY = `${RESOURCE.type}#${RESOURCE.id}`;

function checkpointOf(id: string, status: Checkpoint['status'] = 'available'): Checkpoint {
  const now = new Date().toISOString();
  return {
    id,
    projectId: 'bench',
    providerId: 'bench',
    status,
    plan: { id: 'bench', name: 'bench', providerId: 'bench', resources: [RESOURCE], parameters: {} },
    createdAt: now,
    updatedAt: now,
    extraInfo: {},
    resources: {},
  };
}

/** The resource's section, laid out as the protection service lays it out. */
function sectionOf(bank: BankSection, checkpointId: string, readOnly: boolean): BankSection {
  return bank.section(`checkpoints/${checkpointId}/resources/${encodeURIComponent(RESOURCE_KEY)}`, { readOnly });
}

function baseContext(operation: HookContext['operation'], checkpoint: Checkpoint, section: BankSection): HookContext {
  return { operation, hook: 'onMain', checkpoint, resource: RESOURCE, bank: section, parameters: {}, signal: new AbortController().signal, progress: noProgress, logger: silentLogger };
}

interface BankSpec {
  readonly kind: 'fs' | 'swift';
  /** fs: the root; swift: the container. */
  readonly where: string;
  /** fs: the driver's `copyWorkers` (its default when absent). */
  readonly copyWorkers?: number;
  /** fs: the driver's `directCopies` (its default when absent). */
  readonly directCopies?: boolean;
}

function openBank(spec: BankSpec): Bank {
  if (spec.kind === 'fs') {
    const { copyWorkers, directCopies } = spec;
    return createBank(createFsDriver({ root: spec.where, ...(copyWorkers === undefined ? {} : { copyWorkers }), ...(directCopies === undefined ? {} : { directCopies }) }));
  }
  return createBank(createSwiftDriver({ auth: { type: 'tempauth', ...SWIFT }, container: spec.where }));
}

/** What a child process is asked to do (passed in `BENCH_CV_CASE`). */
type CaseRequest =
  | { readonly op: 'baseline' }
  | { readonly op: 'protect'; readonly directory: string; readonly bank: BankSpec; readonly checkpointId: string }
  | { readonly op: 'copy'; readonly from: BankSpec; readonly to: BankSpec; readonly checkpointId: string; readonly copyId: string; readonly repeat: number }
  | { readonly op: 'verify'; readonly bank: BankSpec; readonly checkpointId: string; readonly level: VerificationLevel; readonly repeat: number };

/** What a child reports: the duration of each pass, its peak RSS and heap. */
interface CaseResult {
  readonly ms: number[];
  /** CPU time (user + system, every thread of the process) of each pass. */
  readonly cpuMs: number[];
  readonly maxRss: number;
  readonly heapUsed: number;
}

async function runCase(request: CaseRequest): Promise<CaseResult> {
  const probe = new MemoryProbe();
  const ms: number[] = [];
  const cpuMs: number[] = [];
  /** Times one pass: wall and CPU. */
  const timed = async (work: () => Promise<void>): Promise<void> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await work();
    ms.push(since(start));
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  };
  if (request.op !== 'baseline') {
    const plugin = createLocalDirectoryPlugin({ directories: { dataset: request.op === 'protect' ? request.directory : '/nonexistent' } }).protection;
    const source = openBank(request.op === 'copy' ? request.from : request.bank);
    const checkpoint = checkpointOf(request.checkpointId);
    try {
      if (request.op === 'protect') {
        const context: ProtectContext = { ...baseContext('protect', checkpoint, sectionOf(source, request.checkpointId, false)), parameters: { exclude: [] } };
        await timed(async () => plugin.getProtectOperation(RESOURCE).onMain!(context));
      } else if (request.op === 'copy') {
        const destination = openBank(request.to);
        try {
          for (let round = 0; round < request.repeat; round++) {
            const context: CopyContext = {
              ...baseContext('copy', checkpoint, sectionOf(source, request.checkpointId, true)),
              copyCheckpoint: checkpointOf(request.copyId, 'copying'),
              destination: sectionOf(destination, request.copyId, false),
            };
            await timed(async () => plugin.getCopyOperation!(RESOURCE).onMain!(context));
          }
        } finally {
          await destination.close();
        }
      } else {
        for (let round = 0; round < request.repeat; round++) {
          const context: VerifyContext = { ...baseContext('verify', checkpoint, sectionOf(source, request.checkpointId, true)), level: request.level };
          await timed(async () => plugin.getVerifyOperation!(RESOURCE).onMain!(context));
        }
      }
    } finally {
      await source.close();
    }
  }
  const peak = probe.stop();
  return { ms, cpuMs, maxRss: peak.maxRss, heapUsed: peak.heapUsed };
}

let bundled: string | undefined;

/** Runs `request` in a fresh plain-Node process (the bundle of this file). */
async function isolated(request: CaseRequest): Promise<CaseResult> {
  bundled ??= await bundleSelf();
  process.env.BENCH_CV_CASE = JSON.stringify(request);
  return runIsolated<CaseResult>(bundled, request.op, [], { plain: true });
}

/** Bundles this file with tsup into `node_modules/.cache/karbor-ts-bench/copy-verify.js` (packages stay external). */
async function bundleSelf(): Promise<string> {
  const { build } = await import('tsup');
  const outDir = fileURLToPath(new URL('../node_modules/.cache/karbor-ts-bench/', import.meta.url));
  // No `clean`: the directory also holds the other benches' bundles.
  await build({ entry: { 'copy-verify': fileURLToPath(import.meta.url) }, outDir, format: ['esm'], target: 'node20', dts: false, clean: false, silent: true, config: false, splitting: false, skipNodeModulesBundle: true });
  return join(outDir, 'copy-verify.js');
}

// ---------------------------------------------------------------------------------------------
// Reference tools

interface ToolRun {
  readonly ms: number;
  /** CPU seconds (user + system) of the tool and its children, every thread. */
  readonly cpuMs?: number;
  readonly ok: boolean;
  readonly error?: string;
}

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/** Runs a shell command line, timed; bash's `times` gives the CPU time its children used. */
function tool(line: string): ToolRun {
  const start = performance.now();
  const result = spawnSync('bash', ['-c', `${line}\nrc=$?\ntimes >&2\nexit $rc`], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MiB });
  const ms = since(start);
  const stderr = result.stderr?.toString() ?? '';
  const children = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/u.exec(stderr.trimEnd());
  const cpuMs = children === null ? undefined : (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
  const timing = { ms, ...(cpuMs === undefined ? {} : { cpuMs }) };
  if (result.status === 0) return { ...timing, ok: true };
  return { ...timing, ok: false, error: `${line.slice(0, 80)} exited with ${result.status ?? result.signal}: ${stderr.slice(0, 300)}` };
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Removes `paths` and flushes dirty pages, so the next timed step starts clean. */
async function clean(...paths: string[]): Promise<void> {
  for (const path of paths) await rm(path, { recursive: true, force: true });
  spawnSync('sync');
}

/** Reads every file under `roots` once (warm page cache). */
function warm(...roots: string[]): void {
  spawnSync('sh', ['-c', `find ${roots.map((root) => `'${root}'`).join(' ')} -type f -print0 | xargs -0 cat > /dev/null`], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------
// Swift



// ---------------------------------------------------------------------------------------------
// The run

interface State {
  readonly spec: string;
  readonly checkpointId: string;
  readonly protectMs: number;
}

/** Generates the data set and protects it, unless a previous run left both. */
async function prepare(): Promise<State> {
  const existing = existsSync(STATE) ? (JSON.parse(readFileSync(STATE, 'utf8')) as State) : undefined;
  if (existing?.spec === SPEC) {
    console.log(`Data set and main bank reused from ${WORK} (protected in ${num(existing.protectMs / 1000, 2)} s when made; delete the directory to regenerate).`);
    return existing;
  }
  await clean(WORK);
  let start = performance.now();
  generate(DATA, CLASSES);
  console.log(`Generated the data set in ${num(since(start) / 1000, 1)} s under ${DATA}.`);
  const checkpointId = randomUUID();
  spawnSync('sync');
  warm(DATA);
  start = performance.now();
  const result = await isolated({ op: 'protect', directory: DATA, bank: { kind: 'fs', where: MAIN_BANK }, checkpointId });
  const protectMs = result.ms[0]!;
  console.log(`Protected it with the local-directory plugin into ${MAIN_BANK} in ${num(protectMs / 1000, 2)} s (${num(BYTES / MiB / (protectMs / 1000), 0)} MiB/s, peak RSS ${mib(result.maxRss)} MiB).`);
  const state: State = { spec: SPEC, checkpointId, protectMs };
  writeFileSync(STATE, JSON.stringify(state));
  return state;
}

interface CopyRound {
  readonly cp: ToolRun;
  readonly rclone?: ToolRun;
  readonly copy: CaseResult;
  readonly recopy: CaseResult;
  /** The same copy with the destination's copy workers off: streamed through this thread. */
  readonly streamed: CaseResult;
  /** The bank-side copy with buffered writes (`directCopies: false`): what `O_DIRECT` saves. */
  readonly buffered: CaseResult;
}

interface VerifyRound {
  readonly md5sum: ToolRun;
  readonly rcloneMd5?: ToolRun;
  readonly full: CaseResult;
  readonly checksum: CaseResult;
}

interface Round {
  readonly load: string;
  readonly copy?: CopyRound;
  readonly verify?: VerifyRound;
}

const loadText = (): string => loadavg().map((value) => num(value, 2)).join(' ');
const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
const best = (values: readonly number[]): number => Math.min(...values);

async function round(state: State, rclone: boolean): Promise<Round> {
  const load = loadText();
  warm(DATA, MAIN_BANK);
  return {
    load,
    ...(PARTS.has('copy') ? { copy: await copyRound(state, rclone) } : {}),
    ...(PARTS.has('verify') ? { verify: await verifyRound(state, rclone) } : {}),
  };
}

async function copyRound(state: State, rclone: boolean): Promise<CopyRound> {
  const cpDst = join(WORK, 'cp-dst');
  const rcloneDst = join(WORK, 'rclone-dst');
  await clean(cpDst);
  const cp = tool(`cp -r ${quote(DATA)} ${quote(cpDst)}`);
  await clean(cpDst, rcloneDst);
  const rcloneRun = rclone ? tool(`rclone copy ${quote(DATA)} ${quote(rcloneDst)}`) : undefined;
  await clean(rcloneDst, COPY_BANK);
  const to: BankSpec = { kind: 'fs', where: COPY_BANK, ...(COPY_WORKERS === undefined ? {} : { copyWorkers: COPY_WORKERS }) };
  const copyRequest = { op: 'copy', from: { kind: 'fs', where: MAIN_BANK }, to, checkpointId: state.checkpointId, copyId: randomUUID(), repeat: 1 } as const;
  const copy = await isolated(copyRequest);
  // The same copy again: every object is already there with the same etag, nothing moves.
  const recopy = await isolated({ ...copyRequest, repeat: REPEAT });
  // Not timed: the copy is read back and re-hashed against the manifest (a failure ends the bench).
  await isolated({ op: 'verify', bank: copyRequest.to, checkpointId: copyRequest.copyId, level: 'full', repeat: 1 });
  await clean(COPY_BANK);
  const streamedRequest = { ...copyRequest, to: { ...to, copyWorkers: 0 }, copyId: randomUUID() };
  const streamed = await isolated(streamedRequest);
  await isolated({ op: 'verify', bank: streamedRequest.to, checkpointId: streamedRequest.copyId, level: 'full', repeat: 1 });
  await clean(COPY_BANK);
  const bufferedRequest = { ...copyRequest, to: { ...to, directCopies: false }, copyId: randomUUID() };
  const buffered = await isolated(bufferedRequest);
  await isolated({ op: 'verify', bank: bufferedRequest.to, checkpointId: bufferedRequest.copyId, level: 'full', repeat: 1 });
  await clean(COPY_BANK);
  return { cp, ...(rcloneRun ? { rclone: rcloneRun } : {}), copy, recopy, streamed, buffered };
}

async function verifyRound(state: State, rclone: boolean): Promise<VerifyRound> {
  const md5sum = tool(`find ${quote(DATA)} -type f -print0 | xargs -0 md5sum > /dev/null`);
  const rcloneMd5 = rclone ? tool(`rclone md5sum ${quote(DATA)} > /dev/null`) : undefined;
  const full = await isolated({ op: 'verify', bank: { kind: 'fs', where: MAIN_BANK }, checkpointId: state.checkpointId, level: 'full', repeat: 1 });
  const checksum = await isolated({ op: 'verify', bank: { kind: 'fs', where: MAIN_BANK }, checkpointId: state.checkpointId, level: 'checksum', repeat: REPEAT });
  return { md5sum, ...(rcloneMd5 ? { rcloneMd5 } : {}), full, checksum };
}

interface Line {
  readonly what: string;
  readonly method: string;
  readonly seconds: string;
  readonly cpu: string;
  readonly rate: string;
  readonly ratio: string;
  readonly rss: string;
}

function printRound(index: number, result: Round, baseline: CaseResult): void {
  const seconds = (ms: number | undefined, digits = 2): string => (ms === undefined ? '' : num(ms / 1000, digits));
  const toolSeconds = (run: ToolRun | undefined): string => (run === undefined ? 'n/a' : run.ok ? seconds(run.ms) : 'failed');
  const toolRate = (run: ToolRun | undefined): string => (run?.ok ? num(rate(BYTES, run.ms), 0) : '');
  const toolLine = (what: string, method: string, run: ToolRun | undefined): Line => ({ what, method, seconds: toolSeconds(run), cpu: run?.ok ? seconds(run.cpuMs) : '', rate: toolRate(run), ratio: '', rss: '' });
  const ratio = (ours: number, theirs: ToolRun | undefined): string => (theirs?.ok ? `${num(theirs.ms / ours, 2)}×` : '');
  const fastest = (run: CaseResult): number => run.ms.indexOf(best(run.ms));
  const oursLine = (what: string, method: string, run: CaseResult, versus: string): Line => ({
    what,
    method,
    seconds: seconds(run.ms[0]),
    cpu: seconds(run.cpuMs[0]),
    rate: num(rate(BYTES, run.ms[0]!), 0),
    ratio: versus,
    rss: mib(run.maxRss),
  });
  const objectsLine = (what: string, method: string, run: CaseResult): Line => ({
    what,
    method,
    seconds: seconds(best(run.ms), 3),
    cpu: seconds(run.cpuMs[fastest(run)], 3),
    rate: `${num(FILES / (best(run.ms) / 1000), 0)} obj/s`,
    ratio: '',
    rss: mib(run.maxRss),
  });
  const lines: Line[] = [];
  const { copy, verify } = result;
  if (copy !== undefined) {
    const versus = (run: CaseResult): string => `${ratio(run.ms[0]!, copy.rclone)} rclone, ${ratio(run.ms[0]!, copy.cp)} cp`;
    lines.push(
      toolLine('copy', 'cp -r', copy.cp),
      toolLine('copy', 'rclone copy', copy.rclone),
      oursLine('copy', `kts copy (fs → fs bank, bank-side, ${COPY_WORKERS ?? 'default'} copy workers)`, copy.copy, versus(copy.copy)),
      oursLine('copy', 'kts copy (fs → fs bank, bank-side, buffered: directCopies false)', copy.buffered, versus(copy.buffered)),
      oursLine('copy', 'kts copy (fs → fs bank, streamed: copyWorkers 0)', copy.streamed, versus(copy.streamed)),
      objectsLine('copy again', 'kts copy (all skipped)', copy.recopy),
    );
  }
  if (verify !== undefined) {
    const fullMs = verify.full.ms[0]!;
    lines.push(
      toolLine('full verify', 'md5sum', verify.md5sum),
      toolLine('full verify', 'rclone md5sum', verify.rcloneMd5),
      oursLine('full verify', 'kts verify full (sha256)', verify.full, `${ratio(fullMs, verify.md5sum)} md5sum, ${ratio(fullMs, verify.rcloneMd5)} rclone`),
      objectsLine('checksum verify', 'kts verify checksum (fs)', verify.checksum),
    );
  }
  console.log(`\nRound ${index + 1} of ${ROUNDS} — ${num(BYTES / GiB, 2)} GiB in ${num(FILES)} files; load average at start ${result.load}; Node baseline RSS ${mib(baseline.maxRss)} MiB\n`);
  printTable(
    [
      { header: 'what', cell: (line: Line) => line.what, align: 'left' },
      { header: 'method', cell: (line) => line.method, align: 'left' },
      { header: 's', cell: (line) => line.seconds },
      { header: 'CPU s', cell: (line) => line.cpu },
      { header: 'MiB/s', cell: (line) => line.rate },
      { header: 'ours is … faster', cell: (line) => line.ratio, align: 'left' },
      { header: 'peak RSS MiB', cell: (line) => line.rss },
    ],
    lines,
  );
  for (const run of [copy?.cp, copy?.rclone, verify?.md5sum, verify?.rcloneMd5]) if (run?.ok === false) console.log(`  ${run.error}`);
}

interface Target {
  readonly target: string;
  readonly wanted: string;
  readonly figures: number[];
  readonly show: (value: number) => string;
  readonly met: (value: number) => boolean;
}

function printTargets(rounds: readonly Round[], swift: SwiftResult | undefined): void {
  const targets: Target[] = [];
  const times = (value: number): string => `${num(value, 2)}×`;
  const copies = rounds.flatMap((item) => (item.copy === undefined ? [] : [item.copy]));
  const verifies = rounds.flatMap((item) => (item.verify === undefined ? [] : [item.verify]));
  const ran = <T>(items: readonly T[], pick: (item: T) => ToolRun | undefined): boolean => items.length > 0 && items.every((item) => pick(item)?.ok === true);
  if (ran(copies, (item) => item.rclone)) {
    targets.push({ target: 'copy throughput vs rclone copy', wanted: `≥ ${TARGET.copyVsRclone}×`, figures: copies.map((item) => item.rclone!.ms / item.copy.ms[0]!), show: times, met: (value) => value >= TARGET.copyVsRclone });
  }
  if (ran(copies, (item) => item.cp)) {
    targets.push({ target: 'copy throughput vs cp -r', wanted: `≥ ${TARGET.copyVsCp}×`, figures: copies.map((item) => item.cp.ms / item.copy.ms[0]!), show: times, met: (value) => value >= TARGET.copyVsCp });
  }
  if (copies.length > 0) {
    targets.push({ target: 'copy peak RSS (plain Node, baseline included)', wanted: `< ${TARGET.copyRssMiB} MiB`, figures: copies.map((item) => item.copy.maxRss / MiB), show: (value) => `${num(value, 1)} MiB`, met: (value) => value < TARGET.copyRssMiB });
  }
  if (ran(verifies, (item) => item.md5sum)) {
    targets.push({ target: 'full verify throughput vs md5sum', wanted: `≥ ${TARGET.fullVsMd5sum}×`, figures: verifies.map((item) => item.md5sum.ms / item.full.ms[0]!), show: times, met: (value) => value >= TARGET.fullVsMd5sum });
  }
  if (ran(verifies, (item) => item.rcloneMd5)) {
    targets.push({ target: 'full verify throughput vs rclone md5sum', wanted: '(no target)', figures: verifies.map((item) => item.rcloneMd5!.ms / item.full.ms[0]!), show: times, met: () => true });
  }
  if (verifies.length > 0) {
    targets.push({ target: 'checksum verify, fs bank', wanted: '(objects/s)', figures: verifies.map((item) => FILES / (best(item.checksum.ms) / 1000)), show: (value) => num(value, 0), met: () => true });
  }
  if (swift !== undefined) {
    targets.push({ target: `checksum verify, Swift bank (${num(swift.objects)} objects)`, wanted: '(objects/s)', figures: swift.checksum.ms.map((ms) => swift.objects / (ms / 1000)), show: (value) => num(value, 0), met: () => true });
    const heads = swift.curlHead.filter((run) => run.ok);
    if (heads.length > 0) {
      targets.push({ target: `  curl HEAD of the same objects, ${PLUGIN_CONCURRENCY} at once`, wanted: '(objects/s)', figures: heads.map((run) => swift.objects / (run.ms / 1000)), show: (value) => num(value, 0), met: () => true });
    }
  }
  console.log(`\nTargets — the figure of every round (${rounds.length}); "met" when every round meets it\n`);
  printTable(
    [
      { header: 'target', cell: (line: Target) => line.target, align: 'left' },
      { header: 'wanted', cell: (line) => line.wanted, align: 'left' },
      { header: 'measured', cell: (line) => line.figures.map(line.show).join(', '), align: 'left' },
      { header: 'median', cell: (line) => line.show(median(line.figures)) },
      { header: 'met', cell: (line) => (line.wanted.startsWith('(') ? '' : line.figures.every(line.met) ? 'yes' : line.figures.some(line.met) ? 'some rounds' : 'no'), align: 'left' },
    ],
    targets,
  );
}

interface SwiftResult {
  readonly objects: number;
  readonly bytes: number;
  readonly copy: CaseResult;
  readonly checksum: CaseResult;
  /** `curl --parallel` HEAD of the same objects, as many at once as the plugin's verify: each pass's ms. */
  readonly curlHead: ToolRun[];
}

/** HEADs every file object of the copied resource with one `curl --parallel` per pass: Swift's own pace. */
async function curlHeads(session: Session, container: string, prefix: string): Promise<ToolRun[]> {
  const names: string[] = [];
  for (let marker = ''; ; ) {
    const query = new URLSearchParams({ format: 'json', limit: '10000', prefix, ...(marker === '' ? {} : { marker }) });
    const listing = await fetch(`${session.storageUrl}/${container}?${query}`, { headers: { 'X-Auth-Token': session.token } });
    const page = listing.status === 200 ? ((await listing.json()) as { name: string }[]).map((entry) => entry.name) : [];
    if (listing.status !== 200) await listing.body?.cancel();
    names.push(...page);
    if (page.length < 10000) break;
    marker = page[page.length - 1]!;
  }
  const config = join(WORK, 'curl-head.cfg');
  const url = (name: string): string => `${session.storageUrl}/${container}/${name.split('/').map(encodeURIComponent).join('/')}`;
  writeFileSync(config, names.map((name) => `url = "${url(name)}"\nhead\noutput = "/dev/null"\n`).join(''));
  const runs: ToolRun[] = [];
  for (let pass = 0; pass < REPEAT; pass++) {
    runs.push(tool(`curl -sS --fail --parallel --parallel-max ${PLUGIN_CONCURRENCY} -H ${quote(`X-Auth-Token: ${session.token}`)} -K ${quote(config)}`));
  }
  await rm(config, { force: true });
  return runs;
}

async function swiftPart(state: State, session: Session): Promise<SwiftResult> {
  const container = `kts-bench-cv-${Date.now().toString(36)}`;
  let source: BankSpec = { kind: 'fs', where: MAIN_BANK };
  let checkpointId = state.checkpointId;
  let objects = FILES;
  let bytes = BYTES;
  const smallBank = join(WORK, 'bank-small');
  if (SWIFT_MODE === 'small') {
    // Only the 512 KiB files, protected as their own resource.
    const small = CLASSES.find((item) => item.dir === 'small')!;
    checkpointId = randomUUID();
    source = { kind: 'fs', where: smallBank };
    await clean(smallBank);
    await isolated({ op: 'protect', directory: join(DATA, 'small'), bank: source, checkpointId });
    objects = small.count;
    bytes = small.count * small.size;
  }
  try {
    const copy = await isolated({ op: 'copy', from: source, to: { kind: 'swift', where: container }, checkpointId, copyId: checkpointId, repeat: 1 });
    const checksum = await isolated({ op: 'verify', bank: { kind: 'swift', where: container }, checkpointId, level: 'checksum', repeat: REPEAT });
    const curlHead = await curlHeads(session, container, `checkpoints/${checkpointId}/resources/${encodeURIComponent(RESOURCE_KEY)}/files/`);
    return { objects, bytes, copy, checksum, curlHead };
  } finally {
    await purgeContainer(session, container);
    if (SWIFT_MODE === 'small') await clean(smallBank);
  }
}

async function main(): Promise<void> {
  console.log(`Data set: ${CLASSES.map((item) => `${num(item.count)} × ${item.size >= MiB ? `${item.size / MiB} MiB` : `${item.size / KiB} KiB`}`).join(', ')} = ${num(BYTES / GiB, 2)} GiB in ${num(FILES)} files.`);
  const rclone = has('rclone');
  if (!rclone) console.log('rclone is not installed (Debian: apt-get install -y rclone): its rows are left out.');
  const state = await prepare();
  const baseline = await isolated({ op: 'baseline' });
  if (PARTS.has('protect')) {
    // Informational: protect the data set again into a scratch bank.
    const scratch = join(WORK, 'bank-protect');
    await clean(scratch);
    warm(DATA);
    const result = await isolated({ op: 'protect', directory: DATA, bank: { kind: 'fs', where: scratch }, checkpointId: randomUUID() });
    console.log(`\nProtect (local-directory plugin → fs bank): ${num(result.ms[0]! / 1000, 2)} s, ${num(rate(BYTES, result.ms[0]!), 0)} MiB/s, peak RSS ${mib(result.maxRss)} MiB (load average ${loadText()}).`);
    await clean(scratch);
  }
  const rounds: Round[] = [];
  for (let index = 0; index < ROUNDS; index++) {
    const result = await round(state, rclone);
    rounds.push(result);
    printRound(index, result, baseline);
  }
  let swift: SwiftResult | undefined;
  const wantSwift = SWIFT_MODE !== 'off' && PARTS.has('swift');
  const session = wantSwift ? await swiftLogin() : undefined;
  if (wantSwift && session === undefined) console.log(`\nSwift does not answer at ${SWIFT.authUrl}: Swift rows left out (start it with scripts/swift-up.sh).`);
  if (session !== undefined) {
    swift = await swiftPart(state, session);
    const copyMs = swift.copy.ms[0]!;
    console.log(
      `\nSwift (${SWIFT_MODE === 'small' ? 'the 512 KiB files only' : 'the whole data set'}: ${num(swift.objects)} objects, ${num(swift.bytes / GiB, 2)} GiB): ` +
        `copied fs → Swift bank in ${num(copyMs / 1000, 2)} s (${num(rate(swift.bytes, copyMs), 0)} MiB/s, peak RSS ${mib(swift.copy.maxRss)} MiB); ` +
        `checksum verify ${swift.checksum.ms.map((ms) => num(ms / 1000, 3)).join(', ')} s = best ${num(swift.objects / (best(swift.checksum.ms) / 1000), 0)} objects/s; ` +
        `curl HEAD of the same objects (${PLUGIN_CONCURRENCY} at once) ${swift.curlHead.map((run) => (run.ok ? num(run.ms / 1000, 3) : 'failed')).join(', ')} s.`,
    );
  }
  printTargets(rounds, swift);
}

const child = isolatedCase();
if (child === undefined) await main();
else reply(await runCase(JSON.parse(process.env.BENCH_CV_CASE ?? '{"op":"baseline"}') as CaseRequest));
