/**
 * The bank-driver conformance suite on the JSON-file driver of `examples/03-bank-driver.ts`:
 * the driver a vendor writes passes the same cases as the shipped ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankDriver } from 'karbor-ts/bank';
import { testBankDriver } from 'karbor-ts/testing';
import { createJsonFileDriver } from '../../examples/03-bank-driver.js';

const directories = new WeakMap<BankDriver, string>();

testBankDriver({
  name: 'json-file (example)',
  create: () => {
    const directory = mkdtempSync(join(tmpdir(), 'kts-json-bank-'));
    const driver = createJsonFileDriver({ path: join(directory, 'bank.json') });
    directories.set(driver, directory);
    return driver;
  },
  cleanup: (driver) => rmSync(directories.get(driver)!, { recursive: true, force: true }),
  // The driver passes at the 64 MiB default too, but holds the object several times over while
  // it rewrites the file (buffer, base64, JSON): hundreds of MiB for nothing 8 MiB — still
  // streamed in eight chunks — does not check.
  largeObjectBytes: 8 * 1024 * 1024,
});
