/**
 * Declared gaps, shared by the conformance suites: a suite is told which groups or cases
 * (`'<group>'` or `'<group>: <case title>'`) do not apply to a subject, with a reason; it
 * registers every group and case here, skips the declared ones with the reason in their
 * titles, and ends with a case that fails when a declared gap names nothing the suite has.
 *
 * @module
 */
import { describe, expect, it } from 'vitest';

/** One declared gap. */
export interface DeclaredGap {
  /** A group id, or one case as `'<group>: <case title>'`. */
  readonly test: string;
  /** Why it does not apply. */
  readonly reason: string;
}

/** The gaps of one suite run, and what the suite registered. */
export interface DeclaredGaps {
  /**
   * Registers group `id` as a `describe` block; `register` gets `add`, which registers one case
   * and answers the reason it is skipped for (the case's own gap, else its group's), if any.
   */
  group(id: string, register: (add: (title: string) => string | undefined) => void): void;
  /** Registers the case, titled `title`, that fails when a declared gap names no group or case registered before it. */
  declaresOnlyGapsThatExist(title: string): void;
}

/** The {@link DeclaredGaps} of `skip`. */
export function declaredGaps(skip: readonly DeclaredGap[]): DeclaredGaps {
  const known = new Set<string>();
  const reasonFor = (id: string): string | undefined => skip.find((entry) => entry.test === id)?.reason;
  return {
    group(id, register) {
      known.add(id);
      describe(id, () => {
        register((title) => {
          const caseId = `${id}: ${title}`;
          known.add(caseId);
          return reasonFor(caseId) ?? reasonFor(id);
        });
      });
    },
    declaresOnlyGapsThatExist(title) {
      it(title, () => {
        expect(skip.filter((entry) => !known.has(entry.test)).map((entry) => entry.test)).toEqual([]);
      });
    },
  };
}
