import { z } from 'zod';
import { commonEnv, envTypes, parseEnv } from '@shop/platform';

/** Settings every BFF reads (validated at start; each bad variable is named). */
export function bffEnvShape(defaultPort: number) {
  return {
    ...commonEnv,
    PORT: envTypes.port(defaultPort),
    GATEWAY_URL: envTypes.url().default('http://127.0.0.1:4000/graphql'),
    /** @default 5_000 // 5 seconds per gateway request */
    GATEWAY_TIMEOUT_MS: envTypes.positiveInt(5_000),
    /** @default 64 // kept-alive connections to the gateway */
    GATEWAY_CONNECTIONS: envTypes.positiveInt(64),
    /** Redis: second-level page cache shared by every BFF process, and the bus. */
    REDIS_URL: envTypes.optionalUrl(),
    /** Redis bus: stream key prefix, as the relay's (a stack of its own on a shared Redis needs its own). */
    BUS_STREAM_PREFIX: z.string().min(1).default('shop:events:'),
    /** Without Redis: the PostgreSQL bus database, for cache invalidation events. */
    BUS_DATABASE_URL: envTypes.optionalUrl(),
    /** Cache anonymous product, category and search pages (needs a bus to hear invalidations). */
    PAGE_CACHE: envTypes.bool(true),
    /** @default 60_000 // 1 minute: the longest a page can be stale for changes no event names */
    PAGE_CACHE_TTL_MS: envTypes.positiveInt(60_000),
    /** @default 5_000 // pages kept in each process */
    PAGE_CACHE_MAX_ENTRIES: envTypes.positiveInt(5_000),
    /** @default 15 // deepest selection a client may send (GraphiQL's introspection query is 15 deep) */
    MAX_QUERY_DEPTH: envTypes.positiveInt(15),
  };
}

export type BffEnv = ReturnType<typeof loadBffEnv>;

export function loadBffEnv(defaultPort: number, env: Record<string, string | undefined> = process.env) {
  return parseEnv(bffEnvShape(defaultPort), env);
}
