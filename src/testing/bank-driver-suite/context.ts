/**
 * What the groups of the bank-driver conformance suite share: the driver of the case that is
 * running, the helpers that write, read and list through it, and how a group registers a case.
 *
 * @module
 */
import type { BankDriver, ObjectInfo } from '../../bank/index.js';
import { bytesOf, readStream } from './helpers.js';

/** What a case's body may ask of its test: to skip itself (an optional driver method is absent). */
export interface CaseContext {
  /** Skips the running case, with an optional note. */
  skip(note?: string): never;
}

/** Registers one case of a group: its title, its body, and an optional timeout in milliseconds. */
export type Case = (title: string, body: (context: CaseContext) => Promise<void>, timeout?: number) => void;

/** The running case's driver, and the helpers the groups use over it. */
export interface SuiteContext {
  /** The driver of the case that is running: a fresh one from `create`, set before each case. */
  driver: BankDriver;
  /** Size of the object in the `large-object` case, in bytes. */
  readonly largeObjectBytes: number;
  /** Puts `content` (a string as UTF-8) at `key`, with `metadata` when given. */
  readonly put: (key: string, content: string | Uint8Array, metadata?: Record<string, string>) => Promise<ObjectInfo>;
  /** The object at `key`, or the `range` of it, as UTF-8 text. */
  readonly read: (key: string, range?: { start?: number; end?: number }) => Promise<string>;
  /** The keys of the page `list(listOptions)` answers. */
  readonly listAll: (listOptions?: Parameters<BankDriver['list']>[0]) => Promise<readonly string[]>;
}

/** A {@link SuiteContext} with no driver yet; the suite sets `driver` before each case. */
export function createSuiteContext(largeObjectBytes: number): SuiteContext {
  const suite: SuiteContext = {
    driver: undefined as unknown as BankDriver,
    largeObjectBytes,
    put: (key, content, metadata) =>
      suite.driver.put(key, typeof content === 'string' ? bytesOf(content) : content, metadata === undefined ? {} : { metadata }),
    read: async (key, range) => (await readStream(await suite.driver.get(key, range))).toString('utf8'),
    listAll: async (listOptions = {}) => (await suite.driver.list(listOptions)).keys,
  };
  return suite;
}
