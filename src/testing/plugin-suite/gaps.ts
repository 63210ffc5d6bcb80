/**
 * Declared gaps of the protection-plugin conformance suite: each group is a `describe` block
 * whose cases are skipped, with the reason in their titles, when the group or the case is
 * declared a gap or the suite says the case cannot apply; and a last case fails when a declared
 * gap names no group or case of the suite.
 *
 * @module
 */
import { it } from 'vitest';
import { declaredGaps } from '../declared-gaps.js';
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
  const gaps = declaredGaps(skip);
  return {
    group(id, register) {
      gaps.group(id, (add) =>
        register((title, body, unless) => {
          const reason = add(title) ?? unless;
          if (reason === undefined) it(title, body, timeoutMs);
          else it.skip(`${title} (skipped: ${reason})`, body);
        }),
      );
    },
    declaresOnlyGapsThatExist() {
      gaps.declaresOnlyGapsThatExist(`protection plugin conformance: ${name} declares only gaps that exist`);
    },
  };
}
