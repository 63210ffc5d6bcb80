import { defineConfig } from 'tsup';

/** One entry per `exports` subpath of package.json. */
export default defineConfig({
  entry: {
    'index': 'src/index.ts',
    'flow/index': 'src/flow/index.ts',
    'bank/index': 'src/bank/index.ts',
    'store/index': 'src/store/index.ts',
    'protection/index': 'src/protection/index.ts',
    'http/index': 'src/http/index.ts',
    'clients/index': 'src/clients/index.ts',
    'client/index': 'src/client/index.ts',
    'cli/main': 'src/cli/main.ts',
    'testing/index': 'src/testing/index.ts',
    'plugins/local-directory/index': 'src/plugins/local-directory/index.ts',
    'plugins/bank-copy/index': 'src/plugins/bank-copy/index.ts',
    'plugins/glance-image/index': 'src/plugins/glance-image/index.ts',
    'plugins/cinder-volume/index': 'src/plugins/cinder-volume/index.ts',
    'bank/drivers/swift': 'src/bank/drivers/swift.ts',
    'bank/drivers/s3': 'src/bank/drivers/s3.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  tsconfig: 'tsconfig.build.json',
});
