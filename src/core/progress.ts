/**
 * Progress reporting from hooks and tasks: bytes moved and a fraction done.
 *
 * @module
 */

/** What a hook tells about its progress. Calls are cheap; report as often as is natural. */
export interface ProgressReporter {
  /** Adds to the total bytes this operation will move (call once the size is known). */
  addTotalBytes(bytes: number): void;
  /** Records bytes moved, read or checked. */
  addBytes(bytes: number): void;
  /** The fraction of this hook that is done, clamped to [0, 1]. */
  fraction(value: number): void;
}

/** A reporter that records nothing. */
export const noProgress: ProgressReporter = {
  addTotalBytes() {},
  addBytes() {},
  fraction() {},
};

/** Clamps a progress fraction to [0, 1]; `NaN` becomes 0. */
export function clampFraction(value: number): number {
  if (!(value > 0)) return 0;
  return value > 1 ? 1 : value;
}
