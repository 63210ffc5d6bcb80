/** The example service's configuration checks, as a list of problems. */
import { expect } from 'vitest';
import { ConfigError, resolveConfig } from '../../examples/service/config.js';

/** What `resolveConfig` finds wrong with `file` (none when it resolves); anything but a `ConfigError` fails the test. */
export function configProblems(file: unknown): readonly string[] {
  try {
    resolveConfig(file, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}
