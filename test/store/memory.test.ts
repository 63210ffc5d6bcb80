import { createMemoryStore } from '../../src/store/index.js';
import { testRecordStore } from '../../src/testing/store-suite.js';

testRecordStore({ name: 'memory', create: async () => createMemoryStore() });
