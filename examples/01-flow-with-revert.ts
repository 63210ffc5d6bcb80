/**
 * A flow whose third task fails: the runner reverts the failed task and every completed one,
 * newest first, and rethrows the original error.
 *
 * Run: `npx tsx examples/01-flow-with-revert.ts`
 */
import { isFrameworkError } from 'karbor-ts';
import { Flow, FlowRun, defineTask } from 'karbor-ts/flow';

const flow = Flow.linear('book-trip', [
  defineTask('reserve-flight', () => 'FL-123', { revert: ({ outcome }) => console.log(`cancel flight ${outcome.ok ? outcome.result : '?'}`) }),
  defineTask('reserve-hotel', () => 'HT-9', { revert: () => console.log('cancel hotel') }),
  defineTask(
    'charge-card',
    () => {
      throw new Error('card declined');
    },
    { revert: ({ outcome }) => console.log(`charge-card reverted after: ${outcome.ok ? 'success' : (outcome.error as Error).message}`) },
  ),
  defineTask('send-tickets', () => console.log('never runs')),
]);

const run = new FlowRun(flow);
run.on('task:success', (task, result) => console.log(`done ${task} → ${String(result)}`));
run.on('flow:state', (state) => console.log(`flow ${state}`));

try {
  await run.start();
} catch (error) {
  console.log(`failed with the original error: ${(error as Error).message} (framework error: ${isFrameworkError(error)})`);
}
console.log(run.report().completionOrder.join(' → '));
