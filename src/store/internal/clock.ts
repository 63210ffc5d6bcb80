/**
 * The clock option both stores take: epoch milliseconds, `Date.now` by default.
 *
 * @module
 */
import { invalidOption } from '../errors.js';

/** A source of epoch milliseconds. */
export type Clock = () => number;

/** The clock to use: `clock` when given (it must be a function), `Date.now` otherwise. */
export function clockOption(clock: unknown): Clock {
  if (clock === undefined) return Date.now;
  if (typeof clock !== 'function') throw invalidOption('clock', 'a function returning epoch milliseconds', clock);
  return clock as Clock;
}

/** `clock()` as a canonical ISO 8601 timestamp. */
export function isoNow(clock: Clock): string {
  return new Date(clock()).toISOString();
}
