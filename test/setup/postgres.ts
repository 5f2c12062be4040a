import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningPostgres } from '@shop/platform/embedded-postgres';
import { ROOT } from '@shop/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL; tests create their own databases on it. */
    pgServerUrl: string;
    /** A Redis URL when REDIS_URL is set; Redis-backed tests skip without it. */
    redisUrl: string | undefined;
  }
}

interface Shared {
  url: Promise<string>;
  server?: RunningPostgres;
  users: number;
}
// Both the int and the e2e project run this setup in vitest's main process; they share one server.
const shared = globalThis as typeof globalThis & { __shopTestPostgres?: Shared };

/**
 * The PostgreSQL server every int and e2e test uses: DATABASE_URL when set (CI
 * points it at the machine's server), else an embedded server of the tests'
 * own, on its own port and data folder, so a running `pnpm start` is untouched.
 */
export async function startTestPostgres(): Promise<string> {
  if (!shared.__shopTestPostgres) {
    const state: Shared = { users: 0, url: Promise.resolve('') };
    state.url = process.env.DATABASE_URL
      ? Promise.resolve(process.env.DATABASE_URL)
      : startEmbeddedPostgres({
          dataDir: process.env.EMBEDDED_TEST_PG_DIR ?? path.join(ROOT, '.data', 'test-postgres'),
          port: Number(process.env.EMBEDDED_TEST_PG_PORT ?? 54_330),
        }).then((server) => ((state.server = server), server.url));
    shared.__shopTestPostgres = state;
  }
  shared.__shopTestPostgres.users++;
  return shared.__shopTestPostgres.url;
}

export async function stopTestPostgres(): Promise<void> {
  const state = shared.__shopTestPostgres;
  if (!state || --state.users > 0) return;
  shared.__shopTestPostgres = undefined;
  await state.server?.stop();
}

export async function setup(project: TestProject) {
  project.provide('pgServerUrl', await startTestPostgres());
  project.provide('redisUrl', process.env.REDIS_URL || undefined);
}

export const teardown = stopTestPostgres;
