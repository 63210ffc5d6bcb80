import { defineConfig } from 'tsup';

/** One entry per `exports` subpath of package.json. */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'flow/index': 'src/flow/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  tsconfig: 'tsconfig.build.json',
});
