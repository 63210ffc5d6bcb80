/**
 * Bank-driver benchmark (issue 3): put and get throughput of the filesystem and Swift drivers
 * against `cp` and `curl` on the same files, and peak RSS while a large object streams
 * through a driver.
 *
 * Run: `npx tsx bench/bank.ts` (Swift from `scripts/swift-up.sh`; without it the Swift, curl
 * and S3 rows are left out). Prints tables; asserts nothing.
 *
 * - Throughput: for each object size (64 KiB, 4 MiB, 256 MiB), `BENCH_BANK_GIB` GiB (default 1)
 *   of random files are written to a source directory, then moved four ways: `cp -r` into a
 *   directory and back out (one process, sequential: the disk's reference), the fs driver
 *   (`put` from a file stream, `get` piped into a file), `curl` against Swift (one process,
 *   `--parallel`, one request per object) and the Swift driver (default options: objects above
 *   8 MiB become static large objects). Drivers and curl run `BENCH_BANK_CONCURRENCY` (default
 *   8) objects at once. Reads hit a warm page cache everywhere.
 * - Memory: `BENCH_BANK_STREAM_GIB` GiB (default 2) generated in 1 MiB chunks is put through a
 *   driver and read back, each run in a fresh process started from a plain-Node bundle of this
 *   file (no TypeScript loader; each driver in its own chunk, so a child loads only the driver
 *   it measures); peak RSS is the kernel's high-water mark of that process, Node's own baseline
 *   (first row, ~45 MiB) included. Most of what a 2 GiB stream adds is garbage awaiting V8's
 *   collector, not data the driver holds: the generator alone (second row) adds ~40–70 MiB, and a
 *   bare `http.get` of the object ~45 MiB, so the figures move with GC timing and machine load.
 * - `BENCH_BANK_ONLY=cp,fs,curl,swift,s3` picks methods (default: all of them);
 *   `BENCH_BANK_PARTS=throughput,memory` picks the parts (default both); `BENCH_BANK_RSS_RUNS`
 *   (default 3) repeats every memory case, each run in its own process, and the table shows
 *   min–max (median) over the runs.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { BankDriver } from '../src/bank/driver.js';
import { isolatedCase, reply, runIsolated } from './lib/isolate.js';
import { MemoryProbe } from './lib/memory.js';
import { median, since } from './lib/stats.js';
import { SWIFT, purgeContainer, swiftLogin, type Session } from './lib/swift.js';
import { mib, num, printTable } from './lib/table.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TOTAL = Math.round(Number(process.env.BENCH_BANK_GIB ?? 1) * GiB);
const STREAM = Math.round(Number(process.env.BENCH_BANK_STREAM_GIB ?? 2) * GiB);
const CONCURRENCY = Number(process.env.BENCH_BANK_CONCURRENCY ?? 8);
const SIZES = [64 * KiB, 4 * MiB, 256 * MiB];
const WORK = process.env.BENCH_BANK_DIR ?? join(tmpdir(), 'kts-bench-bank');
const PARTS = new Set((process.env.BENCH_BANK_PARTS ?? 'throughput,memory').split(',').map((name) => name.trim()));
const RSS_RUNS = Math.max(1, Number(process.env.BENCH_BANK_RSS_RUNS ?? 3));
const ONLY = new Set((process.env.BENCH_BANK_ONLY ?? 'cp,fs,curl,swift,s3').split(',').map((name) => name.trim()));
const env = (name: string, fallback: string): string => process.env[name] || fallback;


// Drivers are imported when a case needs them, so that a memory child loads only the driver it
// measures (the S3 driver's AWS SDK alone adds ~22 MiB of RSS to a process).
const fsDriver = async (root: string): Promise<BankDriver> => (await import('../src/bank/drivers/fs.js')).createFsDriver({ root });
const swiftDriver = async (container: string, options = {}): Promise<BankDriver> =>
  (await import('../src/bank/drivers/swift.js')).createSwiftDriver({ auth: { type: 'tempauth', ...SWIFT }, container, ...options });


async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function timed(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return since(start);
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status ?? result.signal}: ${result.stderr.toString().slice(0, 500)}`);
}

/** Writes `count` files of `size` random-looking bytes (slices of one random pool). */
async function makeSource(dir: string, size: number, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const pool = randomBytes(32 * MiB);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `o${String(i).padStart(6, '0')}`;
    const file = await open(join(dir, name), 'w');
    for (let written = 0; written < size; ) {
      const piece = Math.min(16 * MiB, size - written);
      const offset = ((i * 7919 + written / 4096) * 4096) % (16 * MiB);
      written += (await file.write(pool, offset, piece)).bytesWritten;
    }
    await file.close();
    names.push(name);
  }
  return names;
}

interface Row {
  readonly size: number;
  readonly count: number;
  readonly method: string;
  readonly putMs: number;
  readonly getMs: number;
}

async function driverRow(method: string, driver: BankDriver, size: number, names: readonly string[], src: string, out: string): Promise<Row> {
  await mkdir(out, { recursive: true });
  const putMs = await timed(() => inPool(names, CONCURRENCY, (name) => driver.put(`bench/${name}`, createReadStream(join(src, name)))));
  const getMs = await timed(() => inPool(names, CONCURRENCY, async (name) => pipeline(await driver.get(`bench/${name}`), createWriteStream(join(out, name)))));
  await driver.close?.();
  return { size, count: names.length, method, putMs, getMs };
}

async function curlRow(session: Session, size: number, names: readonly string[], src: string, out: string): Promise<Row> {
  const container = `kts-bench-curl-${Date.now().toString(36)}`;
  await (await fetch(`${session.storageUrl}/${container}`, { method: 'PUT', headers: { 'X-Auth-Token': session.token } })).text();
  await mkdir(out, { recursive: true });
  const url = (name: string): string => `url = "${session.storageUrl}/${container}/${name}"`;
  const putConfig = join(WORK, 'curl-put.cfg');
  const getConfig = join(WORK, 'curl-get.cfg');
  await writeFile(putConfig, names.map((name) => `${url(name)}\nupload-file = "${join(src, name)}"\noutput = "/dev/null"\n`).join(''));
  await writeFile(getConfig, names.map((name) => `${url(name)}\noutput = "${join(out, name)}"\n`).join(''));
  const curl = (config: string): void => run('curl', ['-sS', '--no-progress-meter', '--fail', '--parallel', '--parallel-max', String(CONCURRENCY), '-H', `X-Auth-Token: ${session.token}`, '-K', config]);
  const putMs = await timed(() => curl(putConfig));
  const getMs = await timed(() => curl(getConfig));
  await purgeContainer(session, container);
  return { size, count: names.length, method: 'curl → Swift', putMs, getMs };
}

async function throughput(session: Session | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  for (const size of SIZES) {
    const count = Math.max(1, Math.floor(TOTAL / size));
    await rm(WORK, { recursive: true, force: true });
    const src = join(WORK, 'src');
    const names = await makeSource(src, size, count);
    const first = rows.length;
    if (ONLY.has('cp')) {
      const dst = join(WORK, 'cp-dst');
      await mkdir(dst, { recursive: true });
      const cpPut = await timed(() => run('cp', ['-r', `${src}/.`, dst]));
      await mkdir(join(WORK, 'cp-out'), { recursive: true });
      const cpGet = await timed(() => run('cp', ['-r', `${dst}/.`, join(WORK, 'cp-out')]));
      rows.push({ size, count, method: 'cp (disk)', putMs: cpPut, getMs: cpGet });
      await rm(dst, { recursive: true, force: true });
      await rm(join(WORK, 'cp-out'), { recursive: true, force: true });
    }
    if (ONLY.has('fs')) {
      rows.push(await driverRow('fs driver', await fsDriver(join(WORK, 'fs-root')), size, names, src, join(WORK, 'fs-out')));
      await rm(join(WORK, 'fs-root'), { recursive: true, force: true });
      await rm(join(WORK, 'fs-out'), { recursive: true, force: true });
    }
    if (session !== undefined && ONLY.has('curl')) {
      rows.push(await curlRow(session, size, names, src, join(WORK, 'curl-out')));
      await rm(join(WORK, 'curl-out'), { recursive: true, force: true });
    }
    if (session !== undefined && ONLY.has('swift')) {
      const container = `kts-bench-swift-${Date.now().toString(36)}`;
      rows.push(await driverRow('swift driver', await swiftDriver(container), size, names, src, join(WORK, 'swift-out')));
      await rm(join(WORK, 'swift-out'), { recursive: true, force: true });
      await purgeContainer(session, container);
    }
    printRow(rows.slice(first));
  }
  await rm(WORK, { recursive: true, force: true });
  return rows;
}

const rate = (bytes: number, ms: number): string => num(bytes / MiB / (ms / 1000), 0);
const sizeText = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);
let printedHeader = false;
function printRow(rows: readonly Row[]): void {
  if (!printedHeader) console.log(`\nThroughput, ${num(TOTAL / GiB, 2)} GiB per object size, ${CONCURRENCY} objects at once (cp: sequential)\n`);
  printedHeader = true;
  printTable(
    [
      { header: 'object size', cell: (row: Row) => sizeText(row.size), align: 'left' },
      { header: 'objects', cell: (row: Row) => num(row.count) },
      { header: 'method', cell: (row: Row) => row.method, align: 'left' },
      { header: 'put s', cell: (row: Row) => num(row.putMs / 1000, 2) },
      { header: 'put MiB/s', cell: (row: Row) => rate(row.size * row.count, row.putMs) },
      { header: 'get s', cell: (row: Row) => num(row.getMs / 1000, 2) },
      { header: 'get MiB/s', cell: (row: Row) => rate(row.size * row.count, row.getMs) },
    ],
    rows,
  );
  console.log('');
}

/** What a memory child reports. */
interface RssResult {
  readonly driver: string;
  readonly putMs: number;
  readonly getMs: number;
  /** Peak RSS once the put has finished (before the get). */
  readonly putRss: number;
  readonly maxRss: number;
  readonly heapUsed: number;
}

async function* generated(bytes: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0, index = 0; offset < bytes; offset += MiB, index++) {
    const chunk = Buffer.allocUnsafe(Math.min(MiB, bytes - offset));
    chunk.fill(index & 0xff);
    chunk.writeUInt32BE(index, 0);
    yield chunk;
  }
}

async function rssCase(name: string): Promise<RssResult> {
  const probe = new MemoryProbe();
  const id = `kts-bench-rss-${Date.now().toString(36)}`;
  let driver: BankDriver | undefined;
  if (name === 'fs') driver = await fsDriver(join(WORK, id));
  if (name === 'swift') driver = await swiftDriver(id);
  if (name === 's3') {
    const { createS3Driver } = await import('../src/bank/drivers/s3.js');
    driver = createS3Driver({
      bucket: id,
      endpoint: env('KARBOR_TEST_S3_ENDPOINT', 'http://127.0.0.1:8080'),
      region: env('KARBOR_TEST_S3_REGION', 'us-east-1'),
      credentials: { accessKeyId: env('KARBOR_TEST_S3_ACCESS_KEY', 'test:tester'), secretAccessKey: env('KARBOR_TEST_S3_SECRET_KEY', 'testing') },
    });
  }
  let putMs = 0;
  let getMs = 0;
  let putRss = 0;
  if (name === 'source') {
    // The generated body alone, read and dropped: what the source's own garbage costs.
    let read = 0;
    putMs = await timed(async () => {
      for await (const chunk of generated(STREAM)) read += chunk.length;
    });
    putRss = process.resourceUsage().maxRSS * 1024;
    if (read !== STREAM) throw new Error(`generated ${read} bytes, expected ${STREAM}`);
  }
  if (driver !== undefined) {
    putMs = await timed(() => driver.put('stream', generated(STREAM)));
    putRss = process.resourceUsage().maxRSS * 1024;
    let read = 0;
    getMs = await timed(async () => {
      for await (const chunk of await driver.get('stream')) read += (chunk as Uint8Array).length;
    });
    if (read !== STREAM) throw new Error(`read ${read} bytes back, expected ${STREAM}`);
    await driver.delete('stream');
    await driver.close?.();
  }
  const peak = probe.stop();
  if (name === 'fs') await rm(join(WORK, id), { recursive: true, force: true });
  const session = name === 'swift' || name === 's3' ? await swiftLogin() : undefined;
  if (session !== undefined) await purgeContainer(session, id);
  return { driver: name, putMs, getMs, putRss, maxRss: peak.maxRss, heapUsed: peak.heapUsed };
}

/** `min–max (median)` of a figure over runs (one value when they agree at the shown precision). */
function spread(values: readonly number[], show: (value: number) => string): string {
  const low = show(Math.min(...values));
  const high = show(Math.max(...values));
  return low === high ? low : values.length < 3 ? `${low}–${high}` : `${low}–${high} (${show(median(values))})`;
}

const LABELS: Record<string, string> = { baseline: 'none (Node baseline)', source: 'none (the source alone)' };

async function memory(session: Session | undefined): Promise<void> {
  // The memory cases run from a plain-Node bundle of this file (as the library ships: built,
  // no TypeScript loader), so the figures carry Node's baseline only, not tsx's.
  const file = await bundleSelf();
  const drivers = ['fs', ...(session === undefined ? [] : ['swift', 's3'])].filter((name) => ONLY.has(name));
  const runs = new Map<string, RssResult[]>();
  for (let run = 0; run < RSS_RUNS; run++) {
    for (const name of ['baseline', 'source', ...drivers]) {
      const result = await runIsolated<RssResult>(file, name, [], { plain: true });
      runs.set(name, [...(runs.get(name) ?? []), result]);
    }
  }
  const baseline = Math.min(...(runs.get('baseline') ?? []).map((row) => row.maxRss));
  const rows = [...runs.values()];
  const all = (row: readonly RssResult[], pick: (result: RssResult) => number): number[] => row.map(pick);
  const driverOf = (row: readonly RssResult[]): string => row[0]!.driver;
  console.log(`\nPeak memory streaming one ${num(STREAM / GiB, 2)} GiB object through a driver (put, then get), each run in a fresh process; min–max (median) over ${RSS_RUNS} run(s)\n`);
  printTable(
    [
      { header: 'driver', cell: (row: readonly RssResult[]) => LABELS[driverOf(row)] ?? driverOf(row), align: 'left' },
      { header: 'put MiB/s', cell: (row) => (driverOf(row) === 'baseline' ? '' : spread(all(row, (r) => STREAM / MiB / (r.putMs / 1000)), (v) => num(v, 0))) },
      { header: 'get MiB/s', cell: (row) => (row[0]!.getMs === 0 ? '' : spread(all(row, (r) => STREAM / MiB / (r.getMs / 1000)), (v) => num(v, 0))) },
      { header: 'peak RSS after put MiB', cell: (row) => (driverOf(row) === 'baseline' ? '' : spread(all(row, (r) => r.putRss), mib)) },
      { header: 'peak RSS MiB', cell: (row) => spread(all(row, (r) => r.maxRss), mib) },
      { header: 'over baseline MiB', cell: (row) => (driverOf(row) === 'baseline' ? '' : spread(all(row, (r) => r.maxRss - baseline), mib)) },
      { header: 'peak heap MiB', cell: (row) => spread(all(row, (r) => r.heapUsed), mib) },
    ],
    rows,
  );
}

async function main(): Promise<void> {
  const session = await swiftLogin();
  if (session === undefined) console.log(`Swift does not answer at ${SWIFT.authUrl}: Swift, curl and S3 rows left out (start it with scripts/swift-up.sh).`);
  if (PARTS.has('throughput')) await throughput(session);
  if (PARTS.has('memory')) await memory(session);
}

/**
 * Bundles this file with tsup into `node_modules/.cache/karbor-ts-bench/bank/` (its own
 * directory: `clean` must not remove other benches' bundles), each driver in its own chunk so
 * that a child loads only the one it measures; packages stay external, resolved from the project.
 */
async function bundleSelf(): Promise<string> {
  const { build } = await import('tsup');
  const outDir = fileURLToPath(new URL('../node_modules/.cache/karbor-ts-bench/bank/', import.meta.url));
  await build({ entry: { bank: fileURLToPath(import.meta.url) }, outDir, format: ['esm'], target: 'node20', dts: false, clean: true, silent: true, config: false, splitting: true, skipNodeModulesBundle: true });
  return join(outDir, 'bank.js');
}

const child = isolatedCase();
if (child === undefined) await main();
else reply(await rssCase(child));
