/**
 * The part of autocannon 8's API the benches use (the package ships no types and
 * `@types/autocannon` is not installed).
 */
declare module 'autocannon' {
  namespace autocannon {
    /** Options of one run. */
    interface Options {
      readonly url: string;
      readonly connections?: number;
      /** Seconds. */
      readonly duration?: number;
      readonly pipelining?: number;
      readonly workers?: number;
      readonly method?: string;
      readonly headers?: Readonly<Record<string, string>>;
      readonly timeout?: number;
    }
    /** Mean, spread and percentiles of one figure. */
    interface Histogram {
      readonly average: number;
      readonly mean: number;
      readonly stddev: number;
      readonly min: number;
      readonly max: number;
      readonly total: number;
      readonly p50: number;
      readonly p90: number;
      readonly p99: number;
      readonly p99_9?: number;
    }
    /** What a run measured (latency in ms, requests and throughput per second). */
    interface Result {
      readonly url: string;
      readonly connections: number;
      /** Seconds actually run. */
      readonly duration: number;
      readonly latency: Histogram;
      readonly requests: Histogram;
      readonly throughput: Histogram;
      readonly errors: number;
      readonly timeouts: number;
      readonly non2xx: number;
      readonly '2xx': number;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
