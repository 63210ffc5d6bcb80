import { describe, expect, it } from 'vitest';
import { Flow, FlowRun, defineTask, runFlow, type Task } from '../../../src/flow/index.js';
import { CancelledError, isFrameworkError } from '../../../src/index.js';

/** A task that logs execute/revert into `log`. */
function logged(log: string[], name: string, execute: Task['execute'] = () => name, revert = true): Task {
  return {
    name,
    execute: async (context) => {
      log.push(`run ${name}`);
      return execute(context);
    },
    ...(revert ? { revert: () => void log.push(`revert ${name}`) } : {}),
  };
}

const failing = (message: string) => () => {
  throw new Error(message);
};

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve())));
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('flow runner: success', () => {
  it('runs a linear flow in order and reports results', async () => {
    const log: string[] = [];
    const flow = Flow.linear('linear', ['a', 'b', 'c'].map((n) => logged(log, n)));
    const report = await runFlow(flow);
    expect(log).toEqual(['run a', 'run b', 'run c']);
    expect(report.state).toBe('success');
    expect(report.completionOrder).toEqual(['a', 'b', 'c']);
    expect(report.tasks.get('b')).toMatchObject({ state: 'success', result: 'b' });
  });

  it('runs an empty flow', async () => {
    expect((await runFlow(new Flow('empty'))).state).toBe('success');
  });

  it('respects the concurrency bound', async () => {
    let running = 0;
    let peak = 0;
    const flow = new Flow('wide');
    for (let i = 0; i < 20; i++) {
      flow.add(defineTask(`t${i}`, async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
      }));
    }
    await runFlow(flow, { concurrency: 3 });
    expect(peak).toBe(3);
  });

  it('runs independent tasks in parallel', async () => {
    let release!: () => void;
    const barrier = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    const meet = async () => {
      if (++arrived === 2) release();
      await barrier;
    };
    const flow = new Flow('parallel').add(defineTask('x', meet)).add(defineTask('y', meet));
    await expect(runFlow(flow, { concurrency: 2 })).resolves.toMatchObject({ state: 'success' });
  });
});

describe('flow runner: failure and revert', () => {
  it('linear: reverts the failed task and every completed one in reverse order, rethrowing the original error', async () => {
    const log: string[] = [];
    const boom = new Error('c broke');
    const flow = Flow.linear('linear', [
      logged(log, 'a'),
      logged(log, 'b'),
      logged(log, 'c', () => {
        throw boom;
      }),
      logged(log, 'd'),
    ]);
    const run = new FlowRun(flow);
    const error = await run.start().catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect(log).toEqual(['run a', 'run b', 'run c', 'revert c', 'revert b', 'revert a']);
    const report = run.report();
    expect(report.state).toBe('failed');
    expect(report.tasks.get('d')?.state).toBe('pending');
    expect(report.tasks.get('c')).toMatchObject({ state: 'reverted', error: boom });
    expect(report.failures).toEqual([{ task: 'c', error: boom }]);
  });

  it('graph: reverts in reverse completion order, the failed task included', async () => {
    const log: string[] = [];
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    // root → (fast, slow) → join; "fast" completes first, then "slow", then "bad" (after fast) fails.
    const root = logged(log, 'root');
    const fast = logged(log, 'fast');
    const slow = logged(log, 'slow', async () => {
      await slowGate;
      return 'slow';
    });
    const bad = logged(log, 'bad', async () => {
      releaseSlow();
      await tick();
      await tick();
      throw new Error('bad');
    });
    const flow = new Flow('graph').add(root).add(fast, { after: [root] }).add(slow, { after: [root] }).add(bad, { after: [fast] });
    const run = new FlowRun(flow, { concurrency: 4 });
    await expect(run.start()).rejects.toThrow('bad');
    const order = run.report().completionOrder;
    expect(order).toEqual(['root', 'fast', 'slow', 'bad']);
    const reverts = log.filter((line) => line.startsWith('revert')).map((line) => line.slice(7));
    expect(reverts).toEqual([...order].reverse());
  });

  it('gives the revert its own outcome and the flow failures', async () => {
    const seen: unknown[] = [];
    const boom = new Error('boom');
    const flow = Flow.linear('ctx', [
      defineTask('ok', () => 42, { revert: ({ outcome, flowFailures }) => void seen.push(outcome, flowFailures) }),
      defineTask('bad', () => Promise.reject(boom), { revert: ({ outcome }) => void seen.push(outcome) }),
    ]);
    await expect(runFlow(flow)).rejects.toBe(boom);
    expect(seen).toEqual([{ ok: false, error: boom }, { ok: true, result: 42 }, [boom]]);
  });

  it('aggregates several concurrent failures into one coded error', async () => {
    let arrived = 0;
    let release!: () => void;
    const both = new Promise<void>((resolve) => (release = resolve));
    const failAfterBoth = (message: string) => async () => {
      if (++arrived === 2) release();
      await both;
      throw new Error(message);
    };
    const flow = new Flow('two').add(defineTask('x', failAfterBoth('x failed'))).add(defineTask('y', failAfterBoth('y failed')));
    const error = await runFlow(flow, { concurrency: 2 }).catch((e: unknown) => e);
    expect(isFrameworkError(error, 'KTS_ERR_FLOW_FAILED')).toBe(true);
    expect((error as { errors: Error[] }).errors.map((e) => e.message).sort()).toEqual(['x failed', 'y failed']);
  });

  it('aborts running siblings on a failure; a sibling stopped that way is cancelled, not failed', async () => {
    const boom = new Error('boom');
    let siblingReason: unknown;
    const flow = new Flow('siblings')
      .add(defineTask('sibling', async ({ signal }) => {
        await aborted(signal);
        siblingReason = signal.reason;
        signal.throwIfAborted();
      }, { revert: () => {} }))
      .add(defineTask('bad', async () => {
        await tick();
        throw boom;
      }));
    const run = new FlowRun(flow, { concurrency: 2 });
    await expect(run.start()).rejects.toBe(boom);
    expect(isFrameworkError(siblingReason, 'KTS_ERR_CANCELLED')).toBe(true);
    expect((siblingReason as Error).cause).toBe(boom);
    expect(run.report().tasks.get('sibling')?.state).toBe('reverted');
    expect(run.report().failures.map((f) => f.task)).toEqual(['bad']);
  });

  it('surfaces a revert failure, with the original error as cause, and still reverts the rest', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const flow = Flow.linear('revert-fails', [
      logged(log, 'a'),
      { name: 'b', execute: () => 'b', revert: () => { throw new Error('cannot undo b'); } },
      logged(log, 'c', failing('boom')),
    ]);
    const run = new FlowRun(flow);
    const error = (await run.start().catch((e: unknown) => e)) as Error & { errors: Error[] };
    expect(isFrameworkError(error, 'KTS_ERR_FLOW_REVERT_FAILED')).toBe(true);
    expect((error.cause as Error).message).toBe(boom.message);
    expect(error.errors.map((e) => e.message)).toEqual(['cannot undo b']);
    expect(log).toEqual(['run a', 'run c', 'revert c', 'revert a']);
    expect(run.state).toBe('revert_failed');
    expect(run.report().tasks.get('b')?.state).toBe('revert_failure');
  });

  it('times out a revert that hangs', async () => {
    const flow = Flow.linear('revert-hangs', [
      defineTask('a', () => 1, { revert: ({ signal }) => aborted(signal).then(() => new Promise(() => {})) }),
      defineTask('b', failing('boom')),
    ]);
    const error = await runFlow(flow, { revertTimeoutMs: 20 }).catch((e: unknown) => e);
    expect(isFrameworkError(error, 'KTS_ERR_FLOW_REVERT_FAILED')).toBe(true);
    expect(isFrameworkError((error as { errors: unknown[] }).errors[0], 'KTS_ERR_TIMEOUT')).toBe(true);
  });
});

describe('flow runner: cancellation and timeouts', () => {
  it('a cancelled flow waits for its running task to settle before reverting', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const flow = Flow.linear('cancel', [
      logged(log, 'first'),
      logged(log, 'long', async ({ signal }) => {
        controller.abort('operator asked');
        await aborted(signal);
        await tick(); // still busy after the abort: cleanup takes a moment
        log.push('long stopped');
        signal.throwIfAborted();
      }),
      logged(log, 'never'),
    ]);
    const run = new FlowRun(flow, { signal: controller.signal });
    const error = await run.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).cause).toBe('operator asked');
    expect(log).toEqual(['run first', 'run long', 'long stopped', 'revert long', 'revert first']);
    expect(run.state).toBe('cancelled');
    expect(run.report().tasks.get('long')?.state).toBe('reverted');
  });

  it('runs nothing when the signal is already aborted', async () => {
    const log: string[] = [];
    const error = await runFlow(Flow.linear('pre', [logged(log, 'a')]), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isFrameworkError(error, 'KTS_ERR_CANCELLED')).toBe(true);
    expect(log).toEqual([]);
  });

  it('times out a task, aborts its signal with a timeout reason and reverts it', async () => {
    const log: string[] = [];
    let reason: unknown;
    const flow = Flow.linear('timeout', [
      logged(log, 'a'),
      { ...logged(log, 'slow', async ({ signal }) => {
        await aborted(signal);
        reason = signal.reason;
        throw signal.reason;
      }), timeoutMs: 15 },
    ]);
    const run = new FlowRun(flow);
    const error = await run.start().catch((e: unknown) => e);
    expect(isFrameworkError(error, 'KTS_ERR_TIMEOUT')).toBe(true);
    expect(reason).toBe(error);
    expect(log).toEqual(['run a', 'run slow', 'revert slow', 'revert a']);
    expect(run.report().tasks.get('slow')?.state).toBe('reverted');
  });

  it('a task that succeeds after its deadline still counts as timed out', async () => {
    const flow = Flow.linear('late', [defineTask('late', ({ signal }) => aborted(signal).then(() => 'done anyway'), { timeoutMs: 10 })]);
    const error = await runFlow(flow).catch((e: unknown) => e);
    expect(isFrameworkError(error, 'KTS_ERR_TIMEOUT')).toBe(true);
  });

  it('gives up on a task that ignores its abort after graceMs, and does not revert it', async () => {
    const log: string[] = [];
    const flow = Flow.linear('stubborn', [
      logged(log, 'a'),
      { ...logged(log, 'stubborn', () => new Promise(() => {})), timeoutMs: 10 },
    ]);
    const run = new FlowRun(flow, { graceMs: 10 });
    const error = (await run.start().catch((e: unknown) => e)) as Error;
    expect(isFrameworkError(error, 'KTS_ERR_FLOW_REVERT_FAILED')).toBe(true);
    expect(isFrameworkError(error.cause, 'KTS_ERR_TIMEOUT')).toBe(true);
    expect(log).toEqual(['run a', 'run stubborn', 'revert a']);
    expect(run.report().tasks.get('stubborn')?.state).toBe('revert_failure');
  });
});

describe('flow runner: events and rules', () => {
  function sampleFlow(log: string[]): Flow {
    return Flow.linear('events', [
      logged(log, 'a', ({ progress }) => {
        progress(0.5);
        progress(7);
        return 'a';
      }),
      logged(log, 'b', failing('b failed')),
    ]);
  }

  it('emits typed events and clamps progress', async () => {
    const events: string[] = [];
    const run = new FlowRun(sampleFlow([]));
    run.on('flow:state', (state) => events.push(`state ${state}`));
    run.on('task:start', (task) => events.push(`start ${task}`));
    run.on('task:success', (task) => events.push(`success ${task}`));
    run.on('task:failure', (task) => events.push(`failure ${task}`));
    run.on('task:progress', (task, fraction) => events.push(`progress ${task} ${fraction}`));
    run.on('task:revert', (task) => events.push(`revert ${task}`));
    run.on('task:reverted', (task) => events.push(`reverted ${task}`));
    await run.start().catch(() => {});
    expect(events).toEqual([
      'state running',
      'start a',
      'progress a 0.5',
      'progress a 1',
      'success a',
      'start b',
      'failure b',
      'state reverting',
      'revert b',
      'reverted b',
      'revert a',
      'reverted a',
      'state failed',
    ]);
  });

  it('a throwing listener changes nothing about the run, nor what other listeners see', async () => {
    const quietLog: string[] = [];
    const quiet = new FlowRun(sampleFlow(quietLog));
    const quietError = await quiet.start().catch((e: unknown) => e);

    const noisyLog: string[] = [];
    const noisy = new FlowRun(sampleFlow(noisyLog));
    const seen: string[] = [];
    const listenerErrors: string[] = [];
    for (const event of ['flow:state', 'task:start', 'task:success', 'task:failure', 'task:progress', 'task:revert', 'task:reverted'] as const) {
      noisy.on(event, () => {
        throw new Error(`listener of ${event}`);
      });
      noisy.on(event, () => void seen.push(event));
    }
    noisy.on('listener:error', (event) => void listenerErrors.push(event));
    const noisyError = await noisy.start().catch((e: unknown) => e);

    expect((noisyError as Error).message).toBe((quietError as Error).message);
    expect(noisyLog).toEqual(quietLog);
    expect(noisy.report().state).toBe(quiet.report().state);
    expect([...noisy.report().tasks.values()].map((t) => t.state)).toEqual([...quiet.report().tasks.values()].map((t) => t.state));
    expect(seen.length).toBe(listenerErrors.length);
    expect(seen.length).toBeGreaterThan(10);
  });

  it('refuses duplicate task names, unknown tasks and cycles', async () => {
    const flow = new Flow('rules').add(defineTask('a', () => 1));
    expect(() => flow.add(defineTask('a', () => 2))).toThrow(expect.objectContaining({ code: 'KTS_ERR_FLOW_TASK_DUPLICATE' }));
    expect(() => flow.link('a', 'ghost')).toThrow(expect.objectContaining({ code: 'KTS_ERR_FLOW_TASK_UNKNOWN' }));
    expect(() => flow.link(defineTask('a', () => 3), 'a')).toThrow(expect.objectContaining({ code: 'KTS_ERR_FLOW_TASK_UNKNOWN' }));
    flow.add(defineTask('b', () => 1), { after: ['a'] }).link('b', 'a');
    await expect(runFlow(flow)).rejects.toMatchObject({ code: 'KTS_ERR_FLOW_CYCLE' });
    expect(flow.predecessors('a')).toEqual(['b']);
  });

  it('refuses to start a run twice and a bad concurrency', async () => {
    const run = new FlowRun(Flow.linear('once', [defineTask('a', () => 1)]));
    await run.start();
    await expect(run.start()).rejects.toMatchObject({ code: 'KTS_ERR_FLOW_ALREADY_STARTED' });
    expect(() => new FlowRun(new Flow('x'), { concurrency: 0 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION', message: 'Expected `concurrency` to be a number >= 1, got `0`' }));
    expect(() => new FlowRun(new Flow('x'), { graceMs: -1 })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
    expect(() => new FlowRun(new Flow('x'), { taskTimeoutMs: Number.NaN })).toThrow(expect.objectContaining({ code: 'KTS_ERR_INVALID_OPTION' }));
  });
});
