import { describe, expect, it } from 'vitest';
import { buildResourceFlow, defineTask, FlowRun, hookTaskName, runFlow, type ResourceFlowOptions } from '../../../src/flow/index.js';
import { HOOK_NAMES, ResourceGraph, resourceKey, type HookContext, type Operation, type Resource } from '../../../src/index.js';

const server = { type: 'OS::Nova::Server', id: 's1' };
const vol1 = { type: 'OS::Cinder::Volume', id: 'v1' };
const vol2 = { type: 'OS::Cinder::Volume', id: 'v2' };
const serverGraph = () => ResourceGraph.from([server, vol1, vol2], [[server, vol1], [server, vol2]]);

const tick = () => new Promise((resolve) => setImmediate(resolve));
const label = (r: Resource) => r.id;

/** Options whose hooks record start/end sequence numbers for each `<id>.<hook>`. */
function recording(graph: ResourceGraph, overrides: Partial<ResourceFlowOptions> = {}) {
  let clock = 0;
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const operation = (resource: Resource): Operation =>
    Object.fromEntries(
      HOOK_NAMES.map((hook) => [
        hook,
        async () => {
          start.set(`${label(resource)}.${hook}`, clock++);
          await tick();
          end.set(`${label(resource)}.${hook}`, clock++);
        },
      ]),
    );
  const options: ResourceFlowOptions = {
    name: 'protect-cp1',
    operation: 'protect',
    graph,
    resolve: operation,
    context: (step, hook, task) => ({ hook, resource: step.resource, signal: task.signal }) as unknown as HookContext,
    ...overrides,
  };
  const before = (a: string, b: string) => {
    expect(end.get(a), `${a} ran`).toBeDefined();
    expect(start.get(b), `${b} ran`).toBeDefined();
    expect(end.get(a)!, `${a} ends before ${b} starts`).toBeLessThan(start.get(b)!);
  };
  return { options, before, start, end };
}

describe('resource-graph flows', () => {
  it('orders hooks on a server → two volumes graph exactly as Karbor does', async () => {
    const { options, before, start } = recording(serverGraph());
    const { flow } = buildResourceFlow(options);
    expect(flow.size).toBe(12);
    await runFlow(flow, { concurrency: 8 });
    expect(start.size).toBe(12);
    for (const id of ['s1', 'v1', 'v2']) {
      before(`${id}.onPrepareBegin`, `${id}.onPrepareFinish`);
      before(`${id}.onPrepareFinish`, `${id}.onMain`);
      before(`${id}.onMain`, `${id}.onComplete`);
    }
    for (const child of ['v1', 'v2']) {
      before('s1.onPrepareBegin', `${child}.onPrepareBegin`);
      before(`${child}.onPrepareFinish`, 's1.onPrepareFinish');
      before(`${child}.onComplete`, 's1.onComplete');
    }
  });

  it('runs the main hooks of different resources in parallel', async () => {
    let arrived = 0;
    let release!: () => void;
    const allThere = new Promise<void>((resolve) => (release = resolve));
    const { flow } = buildResourceFlow({
      ...recording(serverGraph()).options,
      resolve: () => ({
        onMain: async () => {
          if (++arrived === 3) release();
          await allThere;
        },
      }),
    });
    await expect(runFlow(flow, { concurrency: 8 })).resolves.toMatchObject({ state: 'success' });
    expect(arrived).toBe(3);
  });

  it('wraps the hooks in Initiate and Complete tasks', async () => {
    const log: string[] = [];
    const { options, start, end } = recording(serverGraph());
    const { flow } = buildResourceFlow({
      ...options,
      initiate: defineTask('initiate', () => void log.push(`initiate@${start.size}`)),
      complete: defineTask('complete', () => void log.push(`complete@${end.size}`)),
    });
    await runFlow(flow, { concurrency: 8 });
    expect(log).toEqual(['initiate@0', 'complete@12']);
  });

  it('names hook tasks <operation>:<hook>:<Type#id>, so two flows over one graph never clash', async () => {
    const graph = serverGraph();
    const a = buildResourceFlow({ ...recording(graph).options, name: 'copy-cp1', operation: 'copy' });
    const b = buildResourceFlow({ ...recording(graph).options, name: 'copy-cp2', operation: 'copy' });
    expect(a.flow.has(hookTaskName('copy', 'onMain', resourceKey(vol1)))).toBe(true);
    expect(a.flow.has('copy:onMain:OS::Cinder::Volume#v1')).toBe(true);
    const reports = await Promise.all([runFlow(a.flow), runFlow(b.flow)]);
    expect(reports.map((r) => r.state)).toEqual(['success', 'success']);
  });

  it('keys steps by Type#id: a volume and an image with the same id are two resources', () => {
    const image = { type: 'OS::Glance::Image', id: 'v1' };
    const graph = ResourceGraph.from([vol1, image]);
    const { steps, flow } = buildResourceFlow({ ...recording(graph).options });
    expect([...steps.keys()]).toEqual(['OS::Cinder::Volume#v1', 'OS::Glance::Image#v1']);
    expect(flow.size).toBe(8);
  });

  it('makes a resource whose plugin lacks the operation a skipped step, keeping order through it', async () => {
    const skipped: string[] = [];
    const done: string[] = [];
    const { options, before } = recording(serverGraph());
    const { flow, steps } = buildResourceFlow({
      ...options,
      operation: 'verify',
      resolve: (resource) => (resource.type === 'OS::Nova::Server' ? { skip: 'plugin "nova" has no verify operation' } : options.resolve(resource)),
      onResourceSkipped: (step, reason) => void skipped.push(`${step.key}: ${reason}`),
      onResourceDone: (step) => void done.push(step.key),
    });
    expect(steps.get('OS::Nova::Server#s1')?.skipReason).toBe('plugin "nova" has no verify operation');
    await expect(runFlow(flow, { concurrency: 8 })).resolves.toMatchObject({ state: 'success' });
    expect(skipped).toEqual(['OS::Nova::Server#s1: plugin "nova" has no verify operation']);
    expect(done.sort()).toEqual(['OS::Cinder::Volume#v1', 'OS::Cinder::Volume#v2']);
    before('v1.onPrepareBegin', 'v1.onComplete');
  });

  it('reports per-resource start, done and error, and reverts resources whose hooks ran', async () => {
    const events: string[] = [];
    const failure = new Error('Backup not found');
    const { options } = recording(serverGraph());
    const { flow } = buildResourceFlow({
      ...options,
      resolve: (resource) => ({
        onMain: resource.id === 'v2' ? () => Promise.reject(failure) : undefined,
        onRevert: (_ctx: HookContext, why: unknown) => void events.push(`revert ${resource.id}: ${(why as Error).message}`),
      }),
      onResourceStart: (step) => void events.push(`start ${step.resource.id}`),
      onResourceDone: (step) => void events.push(`done ${step.resource.id}`),
      onResourceError: (step, hook, error) => void events.push(`error ${step.resource.id} ${hook}: ${(error as Error).message}`),
      initiate: defineTask('initiate', () => {}, { revert: ({ flowFailures }) => void events.push(`initiate reverted: ${(flowFailures[0] as Error).message}`) }),
      complete: defineTask('complete', () => void events.push('complete')),
    });
    const run = new FlowRun(flow, { concurrency: 1 });
    await expect(run.start()).rejects.toBe(failure);
    expect(events).toContain('error v2 onMain: Backup not found');
    expect(events).not.toContain('complete');
    expect(events).not.toContain('done s1');
    expect(events).toContain('revert v2: Backup not found');
    expect(events.at(-1)).toBe('initiate reverted: Backup not found');
    const reverts = events.filter((e) => e.startsWith('revert'));
    expect(reverts.length).toBe(events.filter((e) => e.startsWith('start')).length);
  });

  it('applies a per-hook deadline', async () => {
    const { flow } = buildResourceFlow({
      ...recording(ResourceGraph.from([vol1])).options,
      hookTimeoutMs: 10,
      resolve: () => ({ onMain: ({ signal }: HookContext) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) }),
    });
    await expect(runFlow(flow)).rejects.toMatchObject({ code: 'KTS_ERR_TIMEOUT' });
  });
});
