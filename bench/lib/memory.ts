/**
 * Peak-memory measurement for benchmarks. Two figures:
 *
 * - **peak RSS**: the kernel's high-water mark for the whole process
 *   (`process.resourceUsage().maxRSS`). Exact, but it includes Node's own baseline and never
 *   goes down, so measure each case in a fresh process (see `isolate.ts`).
 * - **peak heap**: the largest V8 heap in use. The heap only shrinks at a GC, so its peak is
 *   the largest "used before GC" over the GCs of the measured span (`v8.GCProfiler`), or the
 *   last reading if larger. No timer sampling: a busy run made only of microtasks would
 *   never let a timer fire.
 *
 * @module
 */
import { GCProfiler } from 'node:v8';

/** What a {@link MemoryProbe} saw. */
export interface MemoryPeak {
  /** The kernel's peak resident set size of this process so far, in bytes. */
  readonly maxRss: number;
  /** The largest V8 heap in use during the span, in bytes. */
  readonly heapUsed: number;
  /** How many GCs ran during the span. */
  readonly gcs: number;
}

/** Tracks peak memory from construction until {@link MemoryProbe.stop}. */
export class MemoryProbe {
  readonly #profiler = new GCProfiler();
  #heapUsed = 0;

  /** Starts tracking. */
  constructor() {
    this.#profiler.start();
    this.sample();
  }

  /** Takes a reading now (e.g. at a phase boundary). */
  sample(): void {
    this.#heapUsed = Math.max(this.#heapUsed, process.memoryUsage().heapUsed);
  }

  /** Stops tracking and returns the peaks. */
  stop(): MemoryPeak {
    this.sample();
    const { statistics } = this.#profiler.stop();
    for (const gc of statistics) this.#heapUsed = Math.max(this.#heapUsed, gc.beforeGC.heapStatistics.usedHeapSize);
    return { maxRss: process.resourceUsage().maxRSS * 1024, heapUsed: this.#heapUsed, gcs: statistics.length };
  }
}

/** Runs a full GC when the process was started with `--expose-gc`; otherwise does nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
