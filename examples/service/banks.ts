/**
 * Banks from the configuration: filesystem banks under the data directory, or Swift and S3
 * through the project's drivers (loaded only when configured, so the AWS SDK is not loaded for
 * a filesystem-only service). Every bank takes its leases as this node's stable owner id.
 */
import { isAbsolute, join } from 'node:path';
import { createBank, createFsDriver, type Bank, type BankDriver } from 'karbor-ts/bank';
import type { BankConfig } from './config-schema.js';
import type { BankDescription } from './state-file.js';

/** A bank and how the state file describes it. */
export interface CreatedBank {
  readonly bank: Bank;
  readonly description: BankDescription;
}

/** Resolves a configured path: relative paths are under the data directory. */
export function underDataDir(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : join(dataDir, path);
}

async function driverOf(config: BankConfig, dataDir: string): Promise<{ driver: BankDriver; description: BankDescription }> {
  switch (config.type) {
    case 'fs': {
      const path = underDataDir(dataDir, config.path);
      return { driver: createFsDriver({ root: path, ...(config.durable === undefined ? {} : { durable: config.durable }) }), description: { type: 'fs', path } };
    }
    case 'swift': {
      const { createSwiftDriver } = await import('karbor-ts/bank/drivers/swift');
      const { type: _type, ...options } = config;
      return { driver: createSwiftDriver(options), description: { type: 'swift', container: config.container } };
    }
    case 's3': {
      const { createS3Driver } = await import('karbor-ts/bank/drivers/s3');
      const { type: _type, ...options } = config;
      return { driver: createS3Driver(options), description: { type: 's3', container: config.bucket } };
    }
  }
}

/**
 * Creates the bank `name` of the configuration. A driver's refusal of its options is rethrown
 * naming the bank (`banks.<name>: …`).
 */
export async function createConfiguredBank(name: string, config: BankConfig, dataDir: string, owner: string): Promise<CreatedBank> {
  try {
    const { driver, description } = await driverOf(config, dataDir);
    return { bank: createBank(driver, { owner }), description };
  } catch (error) {
    throw new Error(`banks.${name}: ${(error as Error).message}`, { cause: error });
  }
}
