/**
 * HTTP adapter benchmark: requests per second and latency of the Karbor API's hottest reads —
 * a verifications page and one verification — against the ceiling of a bare `node:http`
 * hello-world server measured the same way.
 *
 * Run: `npm run bench -- http` (or `npx tsx bench/http.ts`). Prints tables; asserts nothing.
 *
 * - Servers run in child processes (a plain-Node tsup bundle of this file in
 *   `node_modules/.cache/karbor-ts-bench/http/`, as `bench/bank.ts` does), never in the process that
 *   generates the load: autocannon runs in this process and needs a core of its own; wrk is
 *   its own process. The ceiling and the API are measured under the same conditions.
 * - The API: a protection service on the memory store with one provider (memory bank, one
 *   trivial plugin), a tokens table with one member token, `BENCH_HTTP_RECORDS` (default
 *   10,000) `success` verifications of the token's project inserted straight into the store
 *   (createdAt spread over about a week, in shuffled order), on 127.0.0.1 port 0.
 *   `BENCH_HTTP_STORE=sqlite` runs the same on the SQLite store (a temporary file) instead
 *   (seeding then takes ~40 s: one transaction per insert).
 * - Paths: `GET /v1/<project>/verifications?limit=100` (list) and
 *   `GET /v1/<project>/verifications/<id>` (show), with `X-Auth-Token`; the ceiling serves `/`.
 *   The records do not change while measured, so both figures are the steady state of clients
 *   polling unchanged records: the API answers from its view cache (each record's JSON rendered
 *   once per store revision, and the list page's bytes reused while the store lists the same
 *   ids at the same revisions — see the Performance section of docs/http.md).
 *   `BENCH_HTTP_VIEW_CACHE` sets the API's `viewCacheSize` (0: every record viewed and
 *   serialised on every request, the cost of a page whose records all changed).
 * - Each figure: `BENCH_HTTP_CONNECTIONS` (default 64) connections for `BENCH_HTTP_SECONDS`
 *   (default 10) seconds, after `BENCH_HTTP_WARMUP_SECONDS` (default 2) of warm-up per path.
 *   `BENCH_HTTP_TOOLS=autocannon,wrk` picks the load generators (wrk: `BENCH_HTTP_WRK`,
 *   default `/usr/bin/wrk`, `BENCH_HTTP_WRK_THREADS` threads, default 1; left out when missing).
 * - Targets: list ≥ 0.2 × ceiling req/s, show ≥ 0.4 × ceiling req/s, p99 < 20 ms.
 * - Besides req/s and latency, each figure has the server child's CPU time per request (from
 *   `/proc/<pid>/stat`), which other load on the machine skews far less than req/s; the
 *   ceiling's over the API's estimates the req/s ratio for a server with a core to itself.
 * - For information, no target: the ceiling also serves a body the size of the list page
 *   (`/bytes/<n>`: what node:http alone manages at that response size), and `hono` is the
 *   framework floor — Hono on @hono/node-server with one show-shaped route answering a small
 *   JSON body (no auth, policy, store nor views).
 * - `BENCH_HTTP_PROFILE=1` adds a profiling pass: the API server again, from source under tsx
 *   (so that profile frames name their files), warmed up, then V8's sampling profiler (through
 *   `node:inspector`, over the loaded window only) while `BENCH_HTTP_PROFILE_SECONDS` (default
 *   5) of load runs per path; prints where the server's CPU time goes (self time by area, the
 *   heaviest functions by self and inclusive time). `BENCH_HTTP_PROFILE_DIR` keeps the
 *   `.cpuprofile` files (default: a temporary directory, removed).
 * - Between figures the bench waits until the server child is idle again (its CPU time in
 *   `/proc`): requests still in flight when a load generator stops would eat into the next one.
 *
 * @module
 */
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBank } from '../src/bank/bank.js';
import { createMemoryDriver } from '../src/bank/drivers/memory.js';
import { defineProtectionPlugin } from '../src/core/plugin.js';
import { createKarborApi, createTokenTable, serveKarborApi } from '../src/http/index.js';
import { createProtectionService } from '../src/protection/index.js';
import { createMemoryStore, createSqliteStore, type Store, type VerificationRecord } from '../src/store/index.js';
import { num, printTable } from './lib/table.js';

const SECONDS = Math.max(1, Number(process.env.BENCH_HTTP_SECONDS ?? 10));
const WARMUP = Math.max(0, Number(process.env.BENCH_HTTP_WARMUP_SECONDS ?? 2));
const CONNECTIONS = Math.max(1, Number(process.env.BENCH_HTTP_CONNECTIONS ?? 64));
const RECORDS = Math.max(1, Number(process.env.BENCH_HTTP_RECORDS ?? 10_000));
const WRK = process.env.BENCH_HTTP_WRK ?? '/usr/bin/wrk';
const WRK_THREADS = Math.max(1, Number(process.env.BENCH_HTTP_WRK_THREADS ?? 1));
const TOOLS = new Set((process.env.BENCH_HTTP_TOOLS ?? 'autocannon,wrk').split(',').map((name) => name.trim()));
const PROFILE = ['1', 'true', 'yes'].includes((process.env.BENCH_HTTP_PROFILE ?? '').toLowerCase());
const PROFILE_SECONDS = Math.max(1, Number(process.env.BENCH_HTTP_PROFILE_SECONDS ?? 5));
const LIST_LIMIT = 100;
const STORE = process.env.BENCH_HTTP_STORE === 'sqlite' ? 'sqlite' : 'memory';
const VIEW_CACHE = process.env.BENCH_HTTP_VIEW_CACHE === undefined ? undefined : Math.max(0, Number(process.env.BENCH_HTTP_VIEW_CACHE));

const PROJECT = '6b1f1a4e2e5b4c7e9d2f3a4b5c6d7e8f';
const PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';
const TOKEN = 'bench-http-member-token-0123456789abcdef';
const SERVER_FLAG = '--http-bench-server';
const LIST_PATH = `/v1/${PROJECT}/verifications?limit=${LIST_LIMIT}`;

type Target = 'ceiling' | 'ceiling-sized' | 'hono' | 'list' | 'show';
type Tool = 'autocannon' | 'wrk';

/** What a server child reports once it listens. */
interface Ready {
  readonly port: number;
  /** The verification the show path reads (API only). */
  readonly showId?: string;
}

/** What a load generator measured. */
type Load = Omit<Figures, 'target' | 'path' | 'cpuPerRequest' | 'cpuShare'>;

/** One measurement. */
interface Figures {
  readonly tool: Tool;
  readonly target: Target;
  readonly path: string;
  readonly rps: number;
  /** Milliseconds. */
  readonly p50: number;
  /** Milliseconds. */
  readonly p99: number;
  readonly requests: number;
  /** Non-2xx answers, socket errors and timeouts. */
  readonly bad: number;
  /** The server process's CPU time (user + system) per answered request, in µs (NaN without /proc). */
  readonly cpuPerRequest: number;
  /** The server process's CPU time over the wall time of the run (1 = one core busy). */
  readonly cpuShare: number;
}

// ---------------------------------------------------------------------------------------------
// The server child.

/** The API over a memory-store (or SQLite-store) service holding RECORDS verifications of PROJECT. */
async function startApi(): Promise<{ port: number; showId: string; close(): Promise<void> }> {
  const dir = STORE === 'sqlite' ? await mkdtemp(join(tmpdir(), 'kts-bench-http-')) : undefined;
  const store = dir === undefined ? createMemoryStore() : await createSqliteStore({ path: join(dir, 'records.sqlite') });
  const plugin = defineProtectionPlugin({
    name: 'bench-noop',
    version: '1.0.0',
    resourceTypes: { 'Bench::Thing': { options: { type: 'object', additionalProperties: false } } },
    getProtectOperation: () => ({}),
    getRestoreOperation: () => ({}),
    getDeleteOperation: () => ({}),
  });
  const service = await createProtectionService({
    store,
    ownerId: 'bench-http-node',
    providers: [{ id: PROVIDER_ID, name: 'bench', description: 'memory bank', bank: createBank(createMemoryDriver()), plugins: [plugin] }],
  });
  const ids = await seedVerifications(store);
  const authenticator = createTokenTable([{ token: TOKEN, userId: 'bench-user', projectId: PROJECT, roles: ['member'] }]);
  const server = await serveKarborApi(createKarborApi({ service, authenticator, ...(VIEW_CACHE === undefined ? {} : { viewCacheSize: VIEW_CACHE }) }), {
    hostname: '127.0.0.1',
    port: 0,
  });
  return {
    port: server.port,
    showId: ids[ids.length >> 1]!,
    async close() {
      await server.close();
      await service.close();
      await store.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Inserts RECORDS finished verifications, createdAt spread over ~a week in shuffled order; returns their ids. */
async function seedVerifications(store: Store): Promise<string[]> {
  let seed = 0x2545f491;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const start = Date.parse('2025-03-01T00:00:00.000Z');
  const checkpoints = Array.from({ length: 50 }, () => randomUUID());
  const ids: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const created = start + Math.floor(random() * 7 * 24 * 3600 * 1000);
    const resources = 1 + (i % 4);
    const keys = Array.from({ length: resources }, (_, at) => `Bench::Thing#thing-${i % 97}-${at}`);
    const record: VerificationRecord = {
      id: randomUUID(),
      projectId: PROJECT,
      providerId: PROVIDER_ID,
      checkpointId: checkpoints[i % checkpoints.length]!,
      bank: 'main',
      status: 'success',
      parameters: {},
      level: 'checksum',
      ownerId: 'bench-http-node',
      incarnation: 'bench',
      progress: { resourcesDone: resources, resourcesTotal: resources, bytesDone: resources * 1_048_576, bytesTotal: resources * 1_048_576 },
      resourcesStatus: Object.fromEntries(keys.map((key) => [key, 'success'])),
      resourcesReason: {},
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(created + 1000 + Math.floor(random() * 60_000)).toISOString(),
    };
    await store.verifications.insert(record);
    ids.push(record.id);
  }
  return ids;
}

/**
 * The ceiling: node:http answering `hello` — or, at `/bytes/<n>`, `n` bytes of JSON (a string,
 * built once per size), for a transport ceiling at the API's response size.
 */
function startCeiling(): Promise<{ port: number; close(): Promise<void> }> {
  const bodies = new Map<number, Buffer>();
  const body = (size: number): Buffer => {
    let bytes = bodies.get(size);
    if (bytes === undefined) bodies.set(size, (bytes = Buffer.from(JSON.stringify('x'.repeat(Math.max(0, size - 2))))));
    return bytes;
  };
  return new Promise((resolve, reject) => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/') return res.end('hello');
      res.setHeader('Content-Type', 'application/json');
      res.end(body(Number(req.url!.slice('/bytes/'.length)) || 0));
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}

/**
 * The framework floor: Hono on @hono/node-server (as `serveKarborApi` runs it) with one route
 * shaped like show that answers a small JSON body — no auth, policy, store nor view.
 */
function startHono(): Promise<{ port: number; close(): Promise<void> }> {
  const app = new Hono();
  app.get('/v1/:project_id/verifications/:verification_id', (c) => c.json({ verification: { id: c.req.param('verification_id'), project_id: c.req.param('project_id') } }));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).close(() => done());
            (server as Server).closeAllConnections();
          }),
      }),
    ) as Server;
  });
}

/** What the parent asks a server child. */
type Command = { readonly type: 'stop' } | { readonly type: 'profile-start' } | { readonly type: 'profile-stop'; readonly file: string };

/** Runs in the child: starts the server `kind`, reports its port, then obeys {@link Command}s. */
async function serverChild(kind: string): Promise<void> {
  const running: { port: number; showId?: string; close(): Promise<void> } =
    kind === 'ceiling' ? await startCeiling() : kind === 'hono' ? await startHono() : await startApi();
  let session: Session | undefined;
  process.once('disconnect', () => process.exit(0)); // the parent is gone: no orphan server
  process.on('message', (message: Command) => {
    if (message.type === 'stop') {
      const force = setTimeout(() => process.exit(0), 3000);
      void running.close().finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
    } else if (message.type === 'profile-start') {
      // The V8 sampling profiler over the measured window only (not start-up nor seeding).
      session = new Session();
      session.connect();
      void (async () => {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 250 });
        await session.post('Profiler.start');
        process.send!({ type: 'profile-started' });
      })();
    } else if (message.type === 'profile-stop' && session !== undefined) {
      const open = session;
      void (async () => {
        const { profile } = await open.post('Profiler.stop');
        await writeFile(message.file, JSON.stringify(profile));
        open.disconnect();
        process.send!({ type: 'profile-stopped' });
      })();
    }
  });
  const ready: Ready = { port: running.port, ...(running.showId === undefined ? {} : { showId: running.showId }) };
  // Started by hand (`node node_modules/.cache/karbor-ts-bench/http/http.js --http-bench-server api`): print where it listens.
  if (process.send) process.send(ready);
  else console.log(JSON.stringify({ ...ready, url: `http://127.0.0.1:${ready.port}`, project: PROJECT, token: TOKEN }));
}

// ---------------------------------------------------------------------------------------------
// The parent: servers in children, load from here (autocannon) or from wrk.

interface ServerHandle extends Ready {
  readonly child: ChildProcess;
  /** Sends `command` and resolves with the child's next message of type `answer`. */
  ask(command: Command, answer: string): Promise<void>;
  stop(): Promise<void>;
}

function startServer(file: string, kind: 'ceiling' | 'hono' | 'api', execArgv: readonly string[] = []): Promise<ServerHandle> {
  return new Promise((resolve, reject) => {
    const child = fork(file, [SERVER_FLAG, kind], { execArgv: [...execArgv], stdio: 'inherit' });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`The ${kind} server exited with ${signal ?? `code ${code}`} before listening`)));
    child.once('message', (message) => {
      resolve({
        ...(message as Ready),
        child,
        ask(command, answer) {
          return new Promise<void>((done) => {
            const listen = (reply: { type?: string }): void => {
              if (reply?.type !== answer) return;
              child.off('message', listen);
              done();
            };
            child.on('message', listen);
            child.send(command);
          });
        },
        async stop() {
          if (child.connected) child.send({ type: 'stop' } satisfies Command);
          await exited;
        },
      });
    });
  });
}

async function withAutocannon(url: string, seconds: number): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers: { 'X-Auth-Token': TOKEN }, timeout: 30 });
  return {
    tool: 'autocannon',
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result['2xx'] + result.non2xx,
    bad: result.non2xx + result.errors + result.timeouts,
  };
}

/** wrk's duration text (`812.00us`, `1.26ms`, `2.01s`, `1.00m`) in milliseconds. */
function wrkMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

function withWrk(url: string, seconds: number): Promise<Load> {
  const args = ['-t', String(WRK_THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', '30s', '--latency', '-H', `X-Auth-Token: ${TOKEN}`, url];
  return new Promise((resolve, reject) => {
    execFile(WRK, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message} ${stderr}`));
      const pick = (pattern: RegExp): string | undefined => pattern.exec(stdout)?.[1];
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
      resolve({
        tool: 'wrk',
        rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
        p50: wrkMs(pick(/^\s+50%\s+(\S+)/m) ?? ''),
        p99: wrkMs(pick(/^\s+99%\s+(\S+)/m) ?? ''),
        requests: Number(pick(/(\d+) requests in/)),
        bad: Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0) + errors,
      });
    });
  });
}

const generators = (): Tool[] => {
  const tools: Tool[] = [];
  if (TOOLS.has('autocannon')) tools.push('autocannon');
  if (TOOLS.has('wrk')) {
    if (existsSync(WRK)) tools.push('wrk');
    else console.log(`wrk not found at ${WRK} (Debian package wrk): wrk figures left out.`);
  }
  return tools;
};

/** Milliseconds per clock tick of /proc/<pid>/stat (USER_HZ is 100 on Linux). */
const TICK_MS = 10;

/** CPU time (user + system) of process `pid` so far, in clock ticks; undefined without /proc. */
async function cpuTicks(pid: number): Promise<number | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  } catch {
    return undefined;
  }
}

/**
 * Waits until the server child is idle: when a load generator stops, the requests its
 * connections had in flight are still being computed, and they would eat into the next figure.
 * Idle = under 10 % of a core in each of three 200 ms spans in a row, and then a `GET /` (cheap
 * on every server) answered within 50 ms — CPU alone can mislead on a busy machine, where the
 * child may get no CPU at all for a while. Gives up after 60 s.
 */
async function settle(server: ServerHandle): Promise<void> {
  const deadline = performance.now() + 60_000;
  let last = await cpuTicks(server.child.pid!);
  let quiet = 0;
  while (performance.now() < deadline) {
    await sleep(200);
    const now = await cpuTicks(server.child.pid!);
    quiet = now === undefined || last === undefined || now - last <= 2 ? quiet + 1 : 0; // USER_HZ is 100: 2 ticks = 20 ms of CPU
    last = now;
    if (quiet < 3) continue;
    const asked = performance.now();
    await fetch(`http://127.0.0.1:${server.port}/`).then((response) => response.arrayBuffer(), () => undefined);
    if (performance.now() - asked < 50) return;
    quiet = 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** One path of one server to load. */
interface Case {
  readonly server: ServerHandle;
  readonly target: Target;
  readonly path: string;
}

/** Loads `what` with `tool` for SECONDS and returns the figures, with the server's CPU time. */
async function measureOne(tool: Tool, { server, target, path }: Case): Promise<Figures> {
  const before = await cpuTicks(server.child.pid!);
  const started = performance.now();
  const figures = await (tool === 'wrk' ? withWrk : withAutocannon)(`http://127.0.0.1:${server.port}${path}`, SECONDS);
  const wallMs = performance.now() - started;
  const after = await cpuTicks(server.child.pid!);
  const cpuMs = before === undefined || after === undefined ? Number.NaN : (after - before) * TICK_MS;
  const row: Figures = { ...figures, target, path, cpuPerRequest: figures.requests > 0 ? (cpuMs * 1000) / figures.requests : Number.NaN, cpuShare: cpuMs / wallMs };
  console.log(
    `  ${tool.padEnd(10)} ${target.padEnd(13)} ${num(row.rps)} req/s, p50 ${num(row.p50, 2)} ms, p99 ${num(row.p99, 2)} ms, server CPU ${num(row.cpuPerRequest, 1)} µs/request (${num(100 * row.cpuShare)} % of a core)`,
  );
  return row;
}

/**
 * Warms every case up, then, tool by tool, measures the cases back to back (so that the
 * ceiling and the API figures of one tool are taken as close together in time as possible),
 * each once every server is idle.
 */
async function measure(tools: readonly Tool[], cases: readonly Case[]): Promise<Figures[]> {
  const servers = [...new Set(cases.map((item) => item.server))];
  const idle = async (): Promise<void> => {
    for (const server of servers) await settle(server);
  };
  for (const { server, path } of cases) {
    if (WARMUP > 0) await withAutocannon(`http://127.0.0.1:${server.port}${path}`, WARMUP);
  }
  const rows: Figures[] = [];
  for (const tool of tools) {
    for (const item of cases) {
      await idle();
      rows.push(await measureOne(tool, item));
    }
  }
  return rows;
}

/** One request, to check the path answers 200 and to show the response size. */
async function probe(url: string): Promise<{ bytes: number; detail: string }> {
  const response = await fetch(url, { headers: { 'X-Auth-Token': TOKEN } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  const items = Array.isArray(body['verifications']) ? `${body['verifications'].length} items${body['verifications_links'] ? ' + next link' : ''}` : 'one verification';
  return { bytes: Buffer.byteLength(text), detail: items };
}

const TARGET_ORDER: readonly Target[] = ['ceiling', 'ceiling-sized', 'hono', 'list', 'show'];

function report(measured: readonly Figures[], sizes: ReadonlyMap<Target, string>): void {
  const rows = [...measured].sort((a, b) => TARGET_ORDER.indexOf(a.target) - TARGET_ORDER.indexOf(b.target) || a.tool.localeCompare(b.tool));
  console.log(`\nRequests per second and latency: ${CONNECTIONS} connections, ${SECONDS} s per figure (after ${WARMUP} s of warm-up per path)\n`);
  printTable(
    [
      { header: 'tool', cell: (row: Figures) => row.tool, align: 'left' },
      { header: 'server', cell: (row) => row.target, align: 'left' },
      { header: 'path', cell: (row) => row.path.replace(PROJECT, '<project>').replace(/[0-9a-f-]{36}$/, '<id>'), align: 'left' },
      { header: 'response', cell: (row) => sizes.get(row.target) ?? '' },
      { header: 'req/s', cell: (row) => num(row.rps) },
      { header: 'p50 ms', cell: (row) => num(row.p50, 2) },
      { header: 'p99 ms', cell: (row) => num(row.p99, 2) },
      { header: 'requests', cell: (row) => num(row.requests) },
      { header: 'non-2xx/errors', cell: (row) => num(row.bad) },
      { header: 'server CPU %', cell: (row) => num(100 * row.cpuShare) },
      { header: 'server CPU µs/req', cell: (row) => num(row.cpuPerRequest, 1) },
    ],
    rows,
  );
  interface Check {
    readonly tool: Tool;
    readonly figure: string;
    readonly value: string;
    readonly target: string;
    readonly met: boolean | undefined;
  }
  const checks: Check[] = [];
  for (const tool of new Set(rows.map((row) => row.tool))) {
    const of = (target: Target): Figures | undefined => rows.find((row) => row.tool === tool && row.target === target);
    const ceiling = of('ceiling');
    for (const [target, goal] of [['list', 0.2], ['show', 0.4]] as const) {
      const row = of(target);
      if (!row || !ceiling) continue;
      const ratio = row.rps / ceiling.rps;
      checks.push({ tool, figure: `${target} / ceiling req/s`, value: num(ratio, 3), target: `≥ ${goal}`, met: ratio >= goal });
    }
    for (const target of ['list', 'show'] as const) {
      const row = of(target);
      if (!row || !ceiling || !Number.isFinite(row.cpuPerRequest)) continue;
      checks.push({ tool, figure: `${target} / ceiling by server CPU per request`, value: num(ceiling.cpuPerRequest / row.cpuPerRequest, 3), target: '(information)', met: undefined });
    }
    const floor = of('hono');
    const show = of('show');
    if (floor && ceiling) checks.push({ tool, figure: 'hono / ceiling req/s', value: num(floor.rps / ceiling.rps, 3), target: '(information)', met: undefined });
    if (floor && show) checks.push({ tool, figure: 'show / hono req/s', value: num(show.rps / floor.rps, 3), target: '(information)', met: undefined });
    const sized = of('ceiling-sized');
    const list = of('list');
    if (sized && list) checks.push({ tool, figure: 'list / same-size ceiling req/s', value: num(list.rps / sized.rps, 3), target: '(information)', met: undefined });
    for (const target of ['list', 'show'] as const) {
      const row = of(target);
      if (row) checks.push({ tool, figure: `${target} p99`, value: row.requests > 0 ? `${num(row.p99, 2)} ms` : 'no answers', target: '< 20 ms', met: row.requests > 0 && row.p99 < 20 });
    }
  }
  console.log(
    '\nserver CPU: the server child\'s CPU time (user + system, /proc) during the run, per answered request and as a share of one core.' +
      '\nPer request it depends far less on other load on the machine than req/s does; the "by server CPU" ratios below estimate' +
      '\nthe req/s ratios for a server that has a core to itself.',
  );
  console.log('\nAgainst the targets\n');
  printTable(
    [
      { header: 'tool', cell: (row: Check) => row.tool, align: 'left' },
      { header: 'figure', cell: (row) => row.figure, align: 'left' },
      { header: 'value', cell: (row) => row.value },
      { header: 'target', cell: (row) => row.target, align: 'left' },
      { header: 'met', cell: (row) => (row.met === undefined ? '' : row.met ? 'met' : 'MISSED'), align: 'left' },
    ],
    checks,
  );
}

// ---------------------------------------------------------------------------------------------
// Profiling pass.

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The area of the request path a profile frame belongs to. */
function areaOf(url: string, name: string): string {
  if (url === '') {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return 'VM / native (program)';
    return `native builtins`;
  }
  if (url.includes('/node_modules/hono/')) return 'hono (router, context, compose)';
  if (url.includes('/node_modules/kysely/') || url.includes('/node_modules/better-sqlite3/')) return 'kysely + better-sqlite3';
  if (url.includes('/node_modules/@hono/node-server/')) return '@hono/node-server (IncomingMessage ⇄ Request/Response)';
  if (url.includes('/src/store/')) return 'src/store';
  if (url.includes('/src/protection/')) return 'src/protection (scoping)';
  if (url.endsWith('/src/http/auth.ts')) return 'src/http/auth.ts (sha256 token table)';
  if (url.endsWith('/src/http/views.ts')) return 'src/http/views.ts (JSON views)';
  if (url.includes('/src/http/')) return 'src/http (app, routes, listing, policy)';
  if (url.includes('/src/')) return 'src (other)';
  if (url.includes('undici')) return 'node undici (Request, Response, Headers)';
  if (/_http_|internal\/http/.test(url)) return 'node http';
  if (url.includes('internal/url')) return 'node URL / URLSearchParams';
  if (/stream/.test(url)) return 'node streams';
  if (/crypto/.test(url)) return 'node crypto';
  if (/^node:/.test(url)) return 'node (other internals)';
  return /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? 'other';
}

const frameName = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, '$1/');
  const where = url === '' ? '' : ` ${file}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}`;
  return `${functionName || '(anonymous)'}${where}`;
};

function summariseProfile(profile: CpuProfile, title: string): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, at) => {
    const delta = profile.timeDeltas[at] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  });
  // Samples under node:inspector are the profiler stopping itself, not the server.
  const profilerOwn = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  for (const [id, time] of self) {
    if (!profilerOwn(id)) continue;
    self.delete(id);
    total -= time;
  }
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0);
  const busy = total - idle;
  const areas = new Map<string, number>();
  const selfByFrame = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + time);
    const name = frameName(node);
    selfByFrame.set(name, (selfByFrame.get(name) ?? 0) + time);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (frame.callFrame.functionName === '(root)') continue;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  const share = (time: number): string => `${num((100 * time) / busy, 1)} %`;
  const rowsOf = (map: Map<string, number>, count: number, floor = 0): [string, number][] =>
    [...map].filter(([, time]) => time / busy >= floor).sort((a, b) => b[1] - a[1]).slice(0, count);
  console.log(`\n${title}\n${num(total / 1000)} ms sampled, ${num((100 * idle) / total, 1)} % of it idle; shares below are of the busy (non-idle) time.`);
  console.log('\nSelf time by area (share of busy time)\n');
  printTable(
    [
      { header: 'area', cell: (row: [string, number]) => row[0], align: 'left' },
      { header: 'self', cell: (row) => share(row[1]) },
    ],
    rowsOf(areas, 30),
  );
  console.log('\nHeaviest functions, self time\n');
  printTable(
    [
      { header: 'function', cell: (row: [string, number]) => row[0], align: 'left' },
      { header: 'self', cell: (row) => share(row[1]) },
    ],
    rowsOf(selfByFrame, 20),
  );
  console.log('\nHeaviest functions, inclusive time (≥ 3 %)\n');
  printTable(
    [
      { header: 'function', cell: (row: [string, number]) => row[0], align: 'left' },
      { header: 'inclusive', cell: (row) => share(row[1]) },
    ],
    rowsOf(inclusive, 30, 0.03),
  );
}

async function profilePass(tools: readonly Tool[], showPathOf: (id: string) => string): Promise<void> {
  const keep = process.env.BENCH_HTTP_PROFILE_DIR;
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'kts-bench-http-prof-')));
  await mkdir(dir, { recursive: true });
  const tool: Tool = tools.includes('wrk') ? 'wrk' : 'autocannon';
  console.log(`\n## Where the API server's CPU goes: V8 sampling profile (250 µs) of ${PROFILE_SECONDS} s of ${tool} per path, after warm-up`);
  console.log('The server runs from source under tsx here, so that frames name their files; its steady-state code is the same.');
  // The parent's loader flags (tsx), as bench/lib/isolate.ts passes them.
  const server = await startServer(fileURLToPath(import.meta.url), 'api', process.execArgv);
  try {
    for (const target of ['list', 'show'] as const) {
      const url = `http://127.0.0.1:${server.port}${target === 'list' ? LIST_PATH : showPathOf(server.showId!)}`;
      if (WARMUP > 0) await withAutocannon(url, WARMUP);
      await settle(server);
      await server.ask({ type: 'profile-start' }, 'profile-started');
      const figures = await (tool === 'wrk' ? withWrk : withAutocannon)(url, PROFILE_SECONDS);
      const file = join(dir, `${target}.cpuprofile`);
      await server.ask({ type: 'profile-stop', file }, 'profile-stopped');
      const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
      summariseProfile(profile, `### ${target}: ${num(figures.rps)} req/s while profiled (${num(1e6 / figures.rps, 0)} µs of wall time per request)`);
    }
  } finally {
    await server.stop();
  }
  if (keep === undefined) await rm(dir, { recursive: true, force: true });
  else console.log(`\nProfiles kept in ${dir} (open them in Chrome DevTools or speedscope)`);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const tools = generators();
  if (tools.length === 0) {
    console.log('No load generator selected (BENCH_HTTP_TOOLS=autocannon,wrk): nothing to measure.');
    return;
  }
  console.log(`Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}); tools: ${tools.join(', ')}${tools.includes('wrk') ? ` (wrk -t${WRK_THREADS})` : ''}`);
  console.log(`Load average at start: ${loadavg().map((value) => num(value, 2)).join(' ')} (other work on the machine skews every figure)`);
  const file = await bundleSelf();
  const showPathOf = (id: string): string => `/v1/${PROJECT}/verifications/${id}`;

  const started = performance.now();
  const servers: ServerHandle[] = [];
  try {
    // Three server children, idle but for the one under load: the API, the ceiling, the Hono floor.
    const api = await startServer(file, 'api');
    servers.push(api);
    const cache = VIEW_CACHE === undefined ? 'default view cache' : VIEW_CACHE === 0 ? 'view cache off' : `view cache of ${num(VIEW_CACHE)}`;
    console.log(`\nKarbor API (${STORE} store, ${cache}, ${num(RECORDS)} verifications in the project) started and seeded in ${num((performance.now() - started) / 1000, 1)} s`);
    const ceiling = await startServer(file, 'ceiling');
    servers.push(ceiling);
    const hono = await startServer(file, 'hono');
    servers.push(hono);
    const sizes = new Map<Target, string>([
      ['ceiling', '5 B'],
      ['hono', '0.1 KiB'],
    ]);
    const showPath = showPathOf(api.showId!);
    let listBytes = 0;
    for (const [target, path] of [['list', LIST_PATH], ['show', showPath]] as const) {
      const { bytes, detail } = await probe(`http://127.0.0.1:${api.port}${path}`);
      if (target === 'list') listBytes = bytes;
      sizes.set(target, `${num(bytes / 1024, 1)} KiB, ${detail}`);
    }
    sizes.set('ceiling-sized', `${num(listBytes / 1024, 1)} KiB`);
    console.log(`Measuring (each figure ${SECONDS} s, ${CONNECTIONS} connections; warm-up ${WARMUP} s per path first)`);
    const rows = await measure(tools, [
      { server: ceiling, target: 'ceiling', path: '/' },
      { server: ceiling, target: 'ceiling-sized', path: `/bytes/${listBytes}` },
      { server: hono, target: 'hono', path: showPath },
      { server: api, target: 'list', path: LIST_PATH },
      { server: api, target: 'show', path: showPath },
    ]);
    report(rows, sizes);
  } finally {
    for (const server of servers) await server.stop();
  }
  console.log(`\nLoad average at end: ${loadavg().map((value) => num(value, 2)).join(' ')}`);
  if (PROFILE) await profilePass(tools, showPathOf);
}

/**
 * Bundles this file with tsup into `node_modules/.cache/karbor-ts-bench/http/http.js` (its own
 * directory, as bench/bank.ts does, so `clean` touches no other bench's bundle; packages stay
 * external, resolved from the project).
 */
async function bundleSelf(): Promise<string> {
  const { build } = await import('tsup');
  const outDir = fileURLToPath(new URL('../node_modules/.cache/karbor-ts-bench/http/', import.meta.url));
  await build({ entry: { http: fileURLToPath(import.meta.url) }, outDir, format: ['esm'], target: 'node20', dts: false, clean: true, silent: true, config: false, splitting: false, skipNodeModulesBundle: true });
  return join(outDir, 'http.js');
}

const at = process.argv.indexOf(SERVER_FLAG);
if (at === -1) await main();
else await serverChild(process.argv[at + 1] ?? 'api');
