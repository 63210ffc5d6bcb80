/**
 * Declared gaps of the bank-driver conformance suite: each group is a `describe` block whose
 * cases are skipped, with the reason in their titles, when the group or the case is declared a
 * gap; and a last case fails when a declared gap names no group or case of the suite.
 *
 * @module
 */
import { it } from 'vitest';
import { declaredGaps } from '../declared-gaps.js';
import type { BankDriverSkip, BankDriverTestGroup } from '../bank-driver-suite.js';
import type { Case, CaseContext } from './context.js';

/** Registers the suite's groups and cases, honouring the declared gaps. */
export interface GroupRegistry {
  /** Registers group `id` as a `describe` block; `register` registers its cases through `test`. */
  group(id: BankDriverTestGroup, register: (test: Case) => void): void;
  /** Registers the case that fails when a declared gap names no group or case registered before it. */
  declaresOnlyGapsThatExist(): void;
}

/** A {@link GroupRegistry} for the declared gaps `skip`. */
export function createGroupRegistry(skip: readonly BankDriverSkip[]): GroupRegistry {
  const gaps = declaredGaps(skip);
  return {
    group(id, register) {
      gaps.group(id, (add) =>
        register((title, body, timeout) => {
          const reason = add(title);
          if (reason === undefined) it(title, (context) => body(context as unknown as CaseContext), timeout);
          else it.skip(`${title} (skipped: ${reason})`, body);
        }),
      );
    },
    declaresOnlyGapsThatExist() {
      gaps.declaresOnlyGapsThatExist('declares only gaps that exist');
    },
  };
}
