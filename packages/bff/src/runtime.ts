import { Counter } from 'prom-client';
import { createBus, createLogger, createMetrics, createRedis, type Bus, type Logger, type Metrics, type Subscription } from '@shop/platform';
import type { Redis } from 'ioredis';
import type { BffEnv } from './env.ts';
import { GatewayClient } from './gateway-client.ts';
import { PAGE_EVENTS, PageCache, tagsOfEvent } from './page-cache.ts';

export interface BffRuntime {
  logger: Logger;
  metrics: Metrics;
  gateway: GatewayClient;
  /** Undefined when page caching is off, or when no bus is configured to invalidate it. */
  pageCache: PageCache | undefined;
  /** The bus this process listens on (page invalidation now; live updates later). */
  bus: Bus | undefined;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What both BFFs share at run time: logging and metrics, the gateway client
 * over the BFF's persisted-operation manifest, and the page cache kept in step
 * by one bus listener per process.
 */
export async function createBffRuntime(name: string, env: BffEnv, manifest: Record<string, string>): Promise<BffRuntime> {
  const logger = createLogger(name, env.LOG_LEVEL);
  const metrics = createMetrics(name);
  const gateway = new GatewayClient({ url: env.GATEWAY_URL, clientName: name, manifest, logger, timeoutMs: env.GATEWAY_TIMEOUT_MS, connections: env.GATEWAY_CONNECTIONS });
  const bus = env.REDIS_URL || env.BUS_DATABASE_URL ? createBus({ redisUrl: env.REDIS_URL, databaseUrl: env.BUS_DATABASE_URL, streamPrefix: env.BUS_STREAM_PREFIX, logger }) : undefined;
  let redis: Redis | undefined;
  let pageCache: PageCache | undefined;
  let listener: Subscription | undefined;
  if (env.PAGE_CACHE && bus) {
    const lookups = new Counter({ name: 'shop_bff_page_cache_total', help: 'Page cache lookups by result: hit, miss, shared (joined a load in flight)', labelNames: ['result'], registers: [metrics.registry] });
    const invalidations = new Counter({ name: 'shop_bff_page_cache_invalidated_total', help: 'Pages dropped from this process by events', registers: [metrics.registry] });
    redis = env.REDIS_URL ? createRedis(env.REDIS_URL) : undefined;
    const cache = new PageCache({ redis, prefix: `shop:${name}:`, ttlMs: env.PAGE_CACHE_TTL_MS, maxEntries: env.PAGE_CACHE_MAX_ENTRIES, logger, onResult: (r) => lookups.inc({ result: r }) });
    listener = await bus.listen({
      types: PAGE_EVENTS,
      handler: (event) => {
        void cache.invalidate(tagsOfEvent(event)).then((n) => invalidations.inc(n));
      },
      // Events during the gap are lost: nothing cached before it can be trusted.
      onReconnect: () => cache.clear(),
    });
    pageCache = cache;
  } else if (env.PAGE_CACHE) {
    logger.warn('page cache off: set REDIS_URL or BUS_DATABASE_URL so that changes can invalidate it');
  }
  return {
    logger,
    metrics,
    gateway,
    pageCache,
    bus,
    ready: async () => {
      await bus?.ping();
      if (redis && redis.status !== 'ready') throw new Error(`redis ${redis.status}`);
    },
    close: async () => {
      await listener?.close();
      await bus?.close();
      await redis?.quit().catch(() => redis?.disconnect());
      await gateway.close();
    },
  };
}
