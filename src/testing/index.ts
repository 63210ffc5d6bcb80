/**
 * Kits for vendors and integrators: the conformance suites their bank drivers, record stores
 * and protection plugins run (one suite per extension point), and a fault-injecting bank driver
 * for testing everything above a bank. Import from `karbor-ts/testing` inside vitest test files.
 *
 * @module
 */
export { BANK_DRIVER_TEST_GROUPS, testBankDriver, type BankDriverSkip, type BankDriverSuiteOptions, type BankDriverTestGroup } from './bank-driver-suite.js';
export {
  createFaultyDriver,
  type CorruptFault,
  type CutFault,
  type DelayFault,
  type DriverFault,
  type FailFault,
  type FaultOperation,
  type FaultTarget,
  type FaultyDriver,
  type InterceptedCall,
  type InterceptFault,
  type MetadataFault,
  type TruncateFault,
} from './faulty-driver.js';
export {
  CORRUPTION_CLASSES,
  PLUGIN_TEST_GROUPS,
  testProtectionPlugin,
  type CorruptionClass,
  type CorruptionTarget,
  type PluginSuiteContext,
  type PluginSuiteOptions,
  type PluginSuiteSkip,
  type PluginSuiteSubject,
  type PluginTestGroup,
  type PluginTestResource,
  type VerificationClaims,
} from './plugin-suite.js';
export {
  PLUGIN_SUITE_BANK_LABELS,
  type BuiltInPluginSuiteBankKind,
  type PluginSuiteBankContext,
  type PluginSuiteBankKind,
  type PluginSuiteBankLabel,
} from './plugin-suite-banks.js';
export { testRecordStore, type RecordStoreSuiteOptions } from './store-suite.js';
