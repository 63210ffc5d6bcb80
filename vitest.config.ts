import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^karbor-ts$/, replacement: src('index.ts') },
      { find: /^karbor-ts\/bank\/drivers\/(swift|s3)$/, replacement: src('bank/drivers/$1.ts') },
      { find: /^karbor-ts\/(.*)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
