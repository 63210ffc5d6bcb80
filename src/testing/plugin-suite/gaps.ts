/**
 * Declared gaps of the protection-plugin conformance suite: each group is a `describe` block
 * whose cases are skipped, with the reason in their titles, when the group or the case is
 * declared a gap or the suite says the case cannot apply; and a last case fails when a declared
 * gap names no group or case of the suite.
 *
 * @module
 */
import { describe, expect, it } from 'vitest';
import type { PluginTestGroup } from '../plugin-suite.js';
import type { Case } from './harness.js';
import type { SuiteSettings } from './settings.js';

/** Registers the suite's groups and cases, honouring the declared gaps. */
export interface GroupRegistry {
  /** Registers group `id` as a `describe` block; `register` registers its cases through `test`. */
  group(id: PluginTestGroup, register: (test: Case) => void): void;
  /** Registers the case that fails when a declared gap names no group or case registered before it. */
  declaresOnlyGapsThatExist(): void;
}

/** A {@link GroupRegistry} for the declared gaps, case timeout and plugin name of `settings`. */
export function createGroupRegistry(settings: SuiteSettings): GroupRegistry {
  const { name, skip, timeoutMs } = settings;
  const known = new Set<string>();
  const reasonFor = (id: string): string | undefined => skip.find((entry) => entry.test === id)?.reason;

  return {
    group(id, register) {
      known.add(id);
      describe(id, () => {
        register((title, body, unless) => {
          const caseId = `${id}: ${title}`;
          known.add(caseId);
          const reason = reasonFor(caseId) ?? reasonFor(id) ?? unless;
          if (reason === undefined) it(title, body, timeoutMs);
          else it.skip(`${title} (skipped: ${reason})`, body);
        });
      });
    },
    declaresOnlyGapsThatExist() {
      it(`protection plugin conformance: ${name} declares only gaps that exist`, () => {
        const unknown = skip.filter((entry) => !known.has(entry.test));
        expect(unknown.map((entry) => entry.test)).toEqual([]);
      });
    },
  };
}
