import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// One graphql instance: Apollo's CommonJS packages require graphql's CJS
// build, so ESM imports must get the same module, not graphql's .mjs twin.
const resolve = { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] };

/**
 * Test kinds, told apart by suffix and run as named projects:
 *   unit  *.test.ts       pure logic, no I/O
 *   int   *.int.test.ts   against real PostgreSQL (embedded, or DATABASE_URL) and Redis (REDIS_URL)
 *   e2e   *.e2e.ts        the whole system as real processes, driven through the gateway
 */
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'subgraphs/*/src/**/*.test.ts', 'gateway/src/**/*.test.ts', 'bff-web/src/**/*.test.ts', 'bff-mobile/src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/setup/postgres.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.ts'],
          globalSetup: ['test/setup/postgres.ts', 'test/setup/stack.ts'],
          // One shared stack; files run one after another so that SQL statement counts read from /metrics are not mixed.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
