/**
 * A bank kind of the protection-plugin conformance suite over the real Swift of
 * `scripts/swift-up.sh`: each bank of a block gets a fresh container (its label and a random
 * suffix), and after the block every container the block made (with its `_segments` and
 * `_leases` containers) is emptied and deleted. Get `swift` from `requireSwift()`, so the
 * test file fails (never skips) when Swift does not answer.
 *
 * @module
 */
import { createSwiftDriver } from '../../src/bank/drivers/swift.js';
import type { PluginSuiteBankContext, PluginSuiteBankKind } from '../../src/testing/index.js';
import { purgeSwiftContainers, uniqueName, type SwiftTestService } from './services.js';

/** The `swift` bank kind: a fresh container per bank, purged after the block. */
export function swiftBankKind(swift: SwiftTestService): PluginSuiteBankKind {
  const containers = new Map<PluginSuiteBankContext, string[]>();
  return {
    name: 'swift',
    createDriver(label, context) {
      const container = uniqueName(`kts-conf-${label}`);
      containers.set(context, [...(containers.get(context) ?? []), container]);
      return createSwiftDriver({ auth: { type: 'tempauth', authUrl: swift.authUrl, user: swift.user, key: swift.key }, container });
    },
    async dispose(context) {
      const made = containers.get(context) ?? [];
      containers.delete(context);
      await purgeSwiftContainers(swift, made.flatMap((name) => [name, `${name}_segments`, `${name}_leases`]));
    },
  };
}
