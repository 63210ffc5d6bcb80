/**
 * The `corruption` group of the protection-plugin conformance suite: for each corruption class,
 * a fresh checkpoint is damaged in the main bank (one object of the first resource) and verified
 * at every claimed level. A level that claims the class must end the verification in `error`,
 * the damaged resource in `error` with a reason naming the damaged object, and the other
 * resources in `success`; a level that does not claim it must report `success`.
 *
 * @module
 */
import { expect } from 'vitest';
import { resourceKey } from '../../core/resource.js';
import { CORRUPTION_CLASSES } from './names.js';
import type { Case, Harness } from './harness.js';
import { inflict } from './inflict.js';
import { outcome } from './steps.js';
import { MAIN } from './world.js';

/** Registers the cases of the `corruption` group, one per corruption class. */
export function corruptionCases(test: Case, harness: Harness): void {
  const { the, settings, steps } = harness;
  const { levels, detects, noVerify } = settings;
  const { protect, verify } = steps;

  for (const kind of CORRUPTION_CLASSES) {
    test(
      kind,
      async () => {
        const { resources, drivers } = the();
        const { checkpoint } = await protect(MAIN, `corruption ${kind}`);
        const victim = resources[0]!;
        const victimKey = resourceKey(victim);
        try {
          const named = await inflict(the(), kind, victim, checkpoint.id);
          for (const level of levels) {
            const record = await verify(MAIN, checkpoint.id, level);
            if (detects(level, kind)) {
              const where = `${kind} (${named}) in ${victimKey}, which ${level} claims to detect: ${outcome(record)}`;
              expect.soft(record.status, where).toBe('error');
              expect.soft(record.resourcesStatus[victimKey], where).toBe('error');
              expect.soft(record.resourcesReason[victimKey] ?? '', `the reason must name ${named}: ${where}`).toContain(named);
              for (const other of resources.slice(1)) expect.soft(record.resourcesStatus[resourceKey(other)], `an intact resource: ${where}`).toBe('success');
            } else {
              const where = `${kind} (${named}) in ${victimKey}, which ${level} does not claim to detect (claim it, or fix the false report): ${outcome(record)}`;
              expect.soft(record.status, where).toBe('success');
            }
          }
        } finally {
          drivers.main.clear();
        }
      },
      noVerify,
    );
  }
}
