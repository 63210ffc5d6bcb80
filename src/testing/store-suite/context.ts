/**
 * What the groups of the record-store conformance suite share: the store of the case that is
 * running.
 *
 * @module
 */
import type { Store } from '../../store/index.js';

/**
 * The running case's store: the suite opens a fresh, empty one before every case and closes the
 * one held here after it. Each group reads it into its own `store` before each case; the
 * durability group puts the reopened store here, so that one is closed.
 */
export interface RunningCase {
  /** The store of the case that is running. */
  store: Store;
}
