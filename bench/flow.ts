/**
 * Flow-runner benchmark (issue 2): Karbor-shaped resource flows of no-op hooks, run through
 * `buildResourceFlow` + `runFlow`, against OpenStack TaskFlow's parallel engine.
 *
 * Run: `npx tsx bench/flow.ts [--no-taskflow]`. Prints tables; asserts nothing.
 *
 * - Shape: S "servers", each the parent of 4 "volumes"; every resource has 4 hooks, each an
 *   **async** no-op (`async () => {}`), plus an Initiate and a Complete task: 20·S + 2 tasks
 *   (S = 200 → 4,002; S = 5,000 → 100,002). Also a plain `Flow` of 100,000 independent async
 *   no-op tasks and a 100,000-task linear chain.
 * - Each case runs in a fresh child process (`bench/lib/isolate.ts`): 3 warm-up runs of the
 *   same shape at ~4,000 tasks; then, after a forced GC, one run measured for memory; then
 *   timed runs back to back (times are medians of 25 runs at 4k, of 3 at 100k).
 * - build = `buildResourceFlow` (or the `Flow` construction); run = `runFlow`; the resource
 *   graph itself is built outside the timing. tasks/s and µs/task use build + run wall time:
 *   with no-op hooks, all of it is framework overhead. cpu = the child's user + system CPU
 *   time over build + run (`process.cpuUsage`), less sensitive than wall time to other load
 *   on the machine (the header prints the load average).
 * - Memory (`bench/lib/memory.ts`): peak RSS = the child's kernel high-water mark
 *   (`resourceUsage().maxRSS`: whole process, Node and tsx baseline and the small warm-up
 *   included); peak heap = the largest V8 heap in use during the build and run (the largest
 *   "used before GC" reported by `v8.GCProfiler`, or the reading after the run).
 * - TaskFlow: `bench/taskflow_flow.py` (Debian's python3-taskflow) builds and runs the same
 *   4,002-task flow once (it takes minutes: its graph building is quadratic); we print our
 *   throughput as a ratio to it. The interpreter is `$KARBOR_BENCH_PYTHON`, else the first of
 *   `python3` and `/usr/bin/python3` that can import taskflow (a pyenv `python3` cannot).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HookContext, Operation } from '../src/core/operation.js';
import { ResourceGraph } from '../src/core/graph.js';
import { buildResourceFlow, defineTask, Flow, runFlow, type Task } from '../src/flow/index.js';
import { isolatedCase, reply, runIsolated } from './lib/isolate.js';
import { collectGarbage, MemoryProbe } from './lib/memory.js';
import { median, since } from './lib/stats.js';
import { mib, num, printTable, type Column } from './lib/table.js';

type Shape = 'resource' | 'independent' | 'chain';

/** One measured configuration. */
interface Case {
  readonly shape: Shape;
  /** Servers for `resource`; tasks for the others. */
  readonly size: number;
  readonly concurrency: number;
}

/** What a child reports for a case. */
interface Result extends Case {
  readonly tasks: number;
  readonly buildMs: number;
  readonly runMs: number;
  /** CPU time (user + system) of build + run: unlike wall time, barely affected by other load. */
  readonly cpuMs: number;
  readonly maxRss: number;
  readonly heapUsed: number;
}

const SERVER = 'OS::Nova::Server';
const VOLUME = 'OS::Cinder::Volume';
const VOLUMES_PER_SERVER = 4;
const HIGH = Number.POSITIVE_INFINITY;
const asyncNoop = async (): Promise<void> => {};

const CASES: readonly Case[] = [
  { shape: 'resource', size: 200, concurrency: 32 },
  { shape: 'resource', size: 200, concurrency: HIGH },
  { shape: 'resource', size: 5_000, concurrency: 32 },
  { shape: 'resource', size: 5_000, concurrency: HIGH },
  { shape: 'independent', size: 100_000, concurrency: 32 },
  { shape: 'independent', size: 100_000, concurrency: HIGH },
  { shape: 'chain', size: 100_000, concurrency: HIGH },
];

const BASELINE = 'baseline';
const caseName = (c: Case): string => `${c.shape}:${c.size}:${c.concurrency}`;

function parseCase(name: string): Case {
  const [shape, size, concurrency] = name.split(':');
  return { shape: shape as Shape, size: Number(size), concurrency: Number(concurrency) };
}

/** S servers with 4 volumes each: the parent-per-four-children graph. */
function serverGraph(servers: number): ResourceGraph {
  const graph = new ResourceGraph();
  for (let s = 0; s < servers; s++) {
    const server = { type: SERVER, id: `s${s}` };
    graph.add(server);
    for (let v = 0; v < VOLUMES_PER_SERVER; v++) graph.link(server, { type: VOLUME, id: `s${s}v${v}` });
  }
  return graph;
}

/** Returns a builder of the case's flow (the graph, if any, is made up front, untimed). */
function flowBuilder({ shape, size }: Case): () => Flow {
  const noopTask = (name: string): Task => defineTask(name, asyncNoop);
  if (shape === 'independent') return () => independent(size, noopTask);
  if (shape === 'chain') return () => Flow.linear('chain', Array.from({ length: size }, (_, at) => noopTask(`t${at}`)));
  const graph = serverGraph(size);
  return () =>
    buildResourceFlow({
      name: 'protect-bench',
      operation: 'protect',
      graph,
      resolve: (): Operation => ({ onPrepareBegin: asyncNoop, onPrepareFinish: asyncNoop, onMain: asyncNoop, onComplete: asyncNoop }),
      context: (step, hook, task) => ({ operation: 'protect', hook, resource: step.resource, signal: task.signal }) as unknown as HookContext,
      initiate: noopTask('InitiateProtectTask'),
      complete: noopTask('CompleteProtectTask'),
    }).flow;
}

function independent(size: number, noopTask: (name: string) => Task): Flow {
  const flow = new Flow('independent');
  for (let at = 0; at < size; at++) flow.add(noopTask(`t${at}`));
  return flow;
}

/** Builds and runs one flow; returns the timings. */
async function once(build: () => Flow, concurrency: number, probe?: MemoryProbe): Promise<{ tasks: number; buildMs: number; runMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  let start = performance.now();
  const flow = build();
  const buildMs = since(start);
  probe?.sample();
  start = performance.now();
  await runFlow(flow, { concurrency });
  const runMs = since(start);
  const { user, system } = process.cpuUsage(cpu);
  return { tasks: flow.size, buildMs, runMs, cpuMs: (user + system) / 1000 };
}

/** The child side of the baseline: what a process that loaded the code already holds. */
function baseline(): { maxRss: number; heapUsed: number } {
  collectGarbage();
  return { maxRss: process.resourceUsage().maxRSS * 1024, heapUsed: process.memoryUsage().heapUsed };
}

/**
 * The child side: warm up, measure memory on one run from a clean heap, then time runs back to
 * back. No forced GC between timed runs: right after a full GC V8 shrinks its young generation
 * and the next small run pays for it (3-4× the steady per-task cost at 4k tasks).
 */
async function measure(c: Case): Promise<Result> {
  const warm = flowBuilder({ ...c, size: c.shape === 'resource' ? 200 : 4_000 });
  for (let round = 0; round < 3; round++) await runFlow(warm(), { concurrency: c.concurrency });
  const build = flowBuilder(c);
  collectGarbage();
  const probe = new MemoryProbe();
  const { tasks } = await once(build, c.concurrency, probe);
  const peak = probe.stop();
  const runs = [];
  for (let rep = 0; rep < (c.size < 1_000 ? 25 : 3); rep++) runs.push(await once(build, c.concurrency));
  return {
    ...c,
    tasks,
    buildMs: median(runs.map((run) => run.buildMs)),
    runMs: median(runs.map((run) => run.runMs)),
    cpuMs: median(runs.map((run) => run.cpuMs)),
    maxRss: peak.maxRss,
    heapUsed: peak.heapUsed,
  };
}

/** What `bench/taskflow_flow.py` prints (seconds, bytes). */
interface TaskflowResult {
  readonly tasks: number;
  readonly build_s: number;
  readonly run_s: number;
  readonly total_s: number;
  readonly cpu_s: number;
  readonly tasks_per_s: number;
  readonly max_rss_bytes: number;
}

/** The TaskFlow figures, or undefined (with a line saying why) when it cannot run. */
function runTaskflow(servers: number): TaskflowResult | undefined {
  const script = fileURLToPath(new URL('./taskflow_flow.py', import.meta.url));
  const candidates = [process.env.KARBOR_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const python = candidates.find((exe) => spawnSync(exe, ['-c', 'import taskflow'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    console.log('TaskFlow comparison skipped: python3-taskflow is not installed (apt-get install -y python3-taskflow).');
    return undefined;
  }
  console.log(`Running TaskFlow (${python} bench/taskflow_flow.py ${servers}); it is slow: minutes, not seconds...`);
  const out = spawnSync(python, [script, String(servers)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.stdout?.trim().split('\n').pop();
  if (out.status !== 0 || !line) {
    console.log(`TaskFlow comparison skipped: the script failed (${out.status}): ${out.stderr?.trim().split('\n').pop() ?? ''}`);
    return undefined;
  }
  return JSON.parse(line) as TaskflowResult;
}

const perTaskUs = (r: Result): number => ((r.buildMs + r.runMs) * 1000) / r.tasks;
const cpuPerTaskUs = (r: Result): number => (r.cpuMs * 1000) / r.tasks;
const label = (r: Result): string => (r.shape === 'resource' ? `resource (${num(r.size)} servers × ${VOLUMES_PER_SERVER} volumes)` : r.shape);
const columns: Column<Result>[] = [
  { header: 'flow', cell: label, align: 'left' },
  { header: 'tasks', cell: (r) => num(r.tasks) },
  { header: 'concurrency', cell: (r) => (r.concurrency === HIGH ? 'Infinity' : num(r.concurrency)) },
  { header: 'build ms', cell: (r) => num(r.buildMs, 1) },
  { header: 'run ms', cell: (r) => num(r.runMs, 1) },
  { header: 'wall ms', cell: (r) => num(r.buildMs + r.runMs, 1) },
  { header: 'tasks/s', cell: (r) => num((r.tasks * 1000) / (r.buildMs + r.runMs)) },
  { header: 'µs/task', cell: (r) => num(perTaskUs(r), 2) },
  { header: 'cpu ms', cell: (r) => num(r.cpuMs, 1) },
  { header: 'cpu µs/task', cell: (r) => num(cpuPerTaskUs(r), 2) },
  { header: 'peak RSS MiB', cell: (r) => mib(r.maxRss) },
  { header: 'peak heap MiB', cell: (r) => mib(r.heapUsed) },
];

/** The resource-flow result of `servers` servers at `concurrency`. */
function resourceResult(results: readonly Result[], servers: number, concurrency: number): Result {
  return results.find((r) => r.shape === 'resource' && r.size === servers && r.concurrency === concurrency)!;
}

/** Linearity (per-task time at 100k over 4k) and the 100k targets. */
function printScaling(results: readonly Result[]): void {
  console.log('\nLinearity, resource flow: µs/task(100k) / µs/task(4k), by wall time and by cpu time');
  for (const concurrency of [32, HIGH]) {
    const [big, small] = [resourceResult(results, 5_000, concurrency), resourceResult(results, 200, concurrency)];
    console.log(`  concurrency ${concurrency}: wall ${num(perTaskUs(big) / perTaskUs(small), 2)}, cpu ${num(cpuPerTaskUs(big) / cpuPerTaskUs(small), 2)}`);
  }
  console.log('\nTargets (issue 2), resource flow of 100,002 tasks:');
  for (const concurrency of [32, HIGH]) {
    const big = resourceResult(results, 5_000, concurrency);
    const wall = big.buildMs + big.runMs;
    const fast = wall < 5_000 ? 'met' : 'MISSED';
    const small = big.maxRss < 512 * 2 ** 20 ? 'met' : 'MISSED';
    console.log(`  concurrency ${concurrency}: ${num(wall)} ms (target < 5,000: ${fast}), peak RSS ${mib(big.maxRss)} MiB (target < 512: ${small})`);
  }
}

/** Runs TaskFlow on the 4k flow and prints our throughput as a ratio to its. */
function printTaskflowComparison(results: readonly Result[]): void {
  const taskflow = runTaskflow(200);
  if (!taskflow) return;
  console.log(
    `TaskFlow parallel engine, ${num(taskflow.tasks)} tasks: build ${num(taskflow.build_s * 1000)} ms + run ${num(taskflow.run_s * 1000)} ms ` +
      `= ${num(taskflow.total_s * 1000)} ms wall (cpu ${num(taskflow.cpu_s * 1000)} ms), ${num(taskflow.tasks_per_s, 1)} tasks/s, ` +
      `${num((taskflow.total_s * 1e6) / taskflow.tasks)} µs/task, peak RSS ${mib(taskflow.max_rss_bytes)} MiB`,
  );
  for (const concurrency of [32, HIGH]) {
    const ours = resourceResult(results, 200, concurrency);
    const ratio = (ours.tasks * 1000) / (ours.buildMs + ours.runMs) / taskflow.tasks_per_s;
    const runOnly = (ours.tasks * 1000) / ours.runMs / (taskflow.tasks / taskflow.run_s);
    const verdict = ratio >= 100 ? 'met' : 'MISSED';
    console.log(`  ours at concurrency ${concurrency}: ${num(ratio)}× TaskFlow's throughput, build+run (target ≥ 100×: ${verdict}); run alone ${num(runOnly)}×`);
  }
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const load = loadavg().map((value) => value.toFixed(1)).join(' ');
  console.log(`Node ${process.version}, ${availableParallelism()} CPUs, load average ${load} (other load inflates wall times, cpu times less).`);
  console.log('Async no-op hooks; each case in a fresh process; 3 warm-up runs; memory from one run on a clean heap; times are medians.\n');
  const base = await runIsolated<{ maxRss: number; heapUsed: number }>(self, BASELINE);
  console.log(`A child process that only loaded the code: peak RSS ${mib(base.maxRss)} MiB, heap ${mib(base.heapUsed)} MiB (included below).\n`);
  const results: Result[] = [];
  for (const c of CASES) results.push(await runIsolated<Result>(self, caseName(c)));
  printTable(columns, results);
  printScaling(results);
  console.log('');
  if (process.argv.includes('--no-taskflow')) console.log('TaskFlow comparison skipped (--no-taskflow).');
  else printTaskflowComparison(results);
}

const child = isolatedCase();
if (child === BASELINE) reply(baseline());
else if (child) reply(await measure(parseCase(child)));
else await main();
