import { createMemoryDriver } from '../../src/bank/index.js';
import { testBankDriver } from '../../src/testing/bank-driver-suite.js';

testBankDriver({ name: 'memory', create: () => createMemoryDriver() });

testBankDriver({ name: 'memory without native leases', create: () => createMemoryDriver({ leases: false }) });
