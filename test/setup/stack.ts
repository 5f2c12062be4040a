import type { TestProject } from 'vitest/node';
import { startStack, ALL_SERVICES, type RunningStack } from '@shop/stack';
import { freePort } from '../harness/ports.ts';
import { E2E_INTERNAL_SECRET } from '../harness/secrets.ts';
import { startTestPostgres, stopTestPostgres } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Service name -> GraphQL URL of the shared e2e stack. */
    stackUrls: Record<string, string>;
    /** Subgraph name -> database URL of the shared e2e stack. */
    stackDatabases: Record<string, string>;
  }
}

/** Seeded size for e2e: enough for 50-item pages in a category, small enough to seed in seconds. */
export const E2E_PRODUCTS = 400;

let stack: RunningStack | undefined;

/** One real stack (every service a process, on free ports, fresh databases) shared by the e2e files. */
export async function setup(project: TestProject) {
  const ports: Record<string, number> = {};
  for (const s of ALL_SERVICES) ports[s.name] = await freePort();
  const logs: string[] = [];
  stack = await startStack({
    databaseUrl: await startTestPostgres(),
    redisUrl: process.env.REDIS_URL || undefined,
    databasePrefix: `shop_e2e_${process.pid}_`,
    products: E2E_PRODUCTS,
    reseed: true,
    ports,
    // Every service and the tests share two cores: 500 concurrent cart adds queue for
    // seconds, so calls between services get more time than the 5-second default.
    // A non-default internal secret, so that extra gateways in production mode (which refuse the default) can share it.
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', SUBGRAPH_TIMEOUT_MS: '30000', INTERNAL_CALL_TIMEOUT_MS: '30000', DB_POOL_SIZE: '20', INTERNAL_SECRET: E2E_INTERNAL_SECRET },
    log: () => {},
    onServiceLine: (name, line) => {
      logs.push(`${name} ${line}`);
      if (process.env.E2E_LOGS) console.log(name, line);
    },
  });
  project.provide('stackUrls', stack.urls);
  project.provide('stackDatabases', stack.databases);
}

export async function teardown() {
  await stack?.stop();
  const { dropDatabase } = await import('@shop/platform');
  if (stack) for (const name of Object.keys(stack.databases)) await dropDatabase(stack.serverUrl, new URL(stack.databases[name]!).pathname.slice(1)).catch(() => {});
  await stopTestPostgres();
}
