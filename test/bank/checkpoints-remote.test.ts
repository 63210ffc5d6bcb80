/**
 * The checkpoint-collection cases on the real Swift and on the real S3 protocol of its s3api
 * layer (started by `scripts/swift-up.sh`), so listing is shown identical on every driver.
 * Fails, never skips, when the service does not answer.
 */
import { afterAll } from 'vitest';
import { createBank } from '../../src/bank/index.js';
import { createS3Driver } from '../../src/bank/drivers/s3.js';
import { createSwiftDriver } from '../../src/bank/drivers/swift.js';
import { checkpointCollectionCases } from '../helpers/checkpoint-cases.js';
import { purgeSwiftContainers, requireS3, requireSwift, uniqueName } from '../helpers/services.js';

const swift = await requireSwift();
const s3 = await requireS3();
// s3api buckets are Swift containers of the same account, so one purge cleans both.
const containers: string[] = [];
afterAll(() => purgeSwiftContainers(swift, containers));

checkpointCollectionCases('swift', () => {
  const container = uniqueName('kts-cp-swift');
  containers.push(container, `${container}_segments`, `${container}_leases`);
  return createBank(createSwiftDriver({ auth: { type: 'tempauth', authUrl: swift.authUrl, user: swift.user, key: swift.key }, container }));
}, { casTimeoutMs: 180_000 });

checkpointCollectionCases('s3', () => {
  const bucket = uniqueName('kts-cp-s3');
  containers.push(bucket);
  return createBank(
    createS3Driver({ endpoint: s3.endpoint, region: s3.region, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, bucket }),
  );
}, { casTimeoutMs: 180_000 });
