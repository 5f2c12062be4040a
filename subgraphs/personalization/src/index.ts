import { createBus, createCache, parseEnv, runMain, runSubgraph } from '@shop/platform';
import type { PersonalizationDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { startConsumer } from './events/consumer.ts';
import { startNeighborRefresher } from './recommend/neighbor-refresh.ts';
import { buildPersonalization, defaultPort, migrations, name, personalizationEnvShape } from './subgraph.ts';

await runMain(async () => {
  const env = parseEnv(personalizationEnvShape);
  await runSubgraph<PersonalizationDatabase, Context>({
    name,
    defaultPort,
    migrations,
    build: async ({ db, logger, env: common }) => {
      // Redis when configured: every replica then shares the lists, and a refresh by one is seen by all.
      const cache = createCache({ redisUrl: common.REDIS_URL, prefix: 'shop:personalization:', maxEntries: 50_000 });
      const def = buildPersonalization(db.db, {
        cache,
        logger,
        settings: { listMaxAgeMs: env.RECOMMENDATION_MAX_AGE_MS, cacheTtlMs: env.RECOMMENDATION_CACHE_TTL_MS },
      });
      const bus = common.REDIS_URL || env.BUS_DATABASE_URL ? createBus({ redisUrl: common.REDIS_URL, databaseUrl: env.BUS_DATABASE_URL, streamPrefix: env.BUS_STREAM_PREFIX, logger }) : undefined;
      if (!bus) logger.warn('neither REDIS_URL nor BUS_DATABASE_URL is set: orders and stock events are not consumed, so purchases and sell-outs do not reach recommendations');
      const subscription = bus ? await startConsumer(bus, def.recommender) : undefined;
      // Product features in memory before the first lists need them (not awaited: misses are fetched on demand meanwhile).
      const warmStarted = Date.now();
      def.recommender.features.warm(db.db).then(
        (n) => logger.info({ products: n, ms: Date.now() - warmStarted }, 'product features loaded'),
        (err: unknown) => logger.warn({ err }, 'loading product features failed; they are fetched on demand'),
      );
      const refresher = startNeighborRefresher(db.db, { intervalMs: env.NEIGHBOR_REFRESH_INTERVAL_MS, logger });
      return {
        ...def,
        ready: async () => {
          await bus?.ping();
        },
        close: async () => {
          await subscription?.close();
          await bus?.close();
          await refresher.stop();
          await cache.close();
        },
      };
    },
  });
});
