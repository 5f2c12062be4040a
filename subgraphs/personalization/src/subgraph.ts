import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { baseContext, readGraphQLFile, envTypes, LruCache, type Cache, type Logger, type RequestInfo } from '@shop/platform';
import type { PersonalizationDatabase } from './db/database.ts';
import { createLoaders } from './recommend/recommend.loaders.ts';
import { createRecommender, defaultRecommenderSettings, type RecommenderSettings } from './recommend/recommend.service.ts';
import { resolvers } from './schema/resolvers.ts';
import type { Context } from './context.ts';

export const name = 'personalization';
export const defaultPort = 4004;
export const typeDefs = parse(readGraphQLFile(new URL('./schema/personalization.graphql', import.meta.url)));
export { migrations } from './db/migrations/index.ts';

/** Personalization's own settings, on top of every subgraph's (parsed in src/index.ts). */
export const personalizationEnvShape = {
  /** The PostgreSQL bus database when REDIS_URL is not set (the stack passes it). */
  BUS_DATABASE_URL: envTypes.optionalUrl(),
  /** Redis bus: stream key prefix, as the relay's. @default 'shop:events:' */
  BUS_STREAM_PREFIX: z.string().min(1).default('shop:events:'),
  /** @default 600_000 // 10 minutes: a stored list older than this is recomputed when read */
  RECOMMENDATION_MAX_AGE_MS: envTypes.positiveInt(defaultRecommenderSettings.listMaxAgeMs),
  /** @default 60_000 // 1 minute a cached list lives (every change overwrites it at once) */
  RECOMMENDATION_CACHE_TTL_MS: envTypes.positiveInt(defaultRecommenderSettings.cacheTtlMs),
  /** @default 600_000 // 10 minutes between collaborative neighbour refreshes (skipped when nothing new) */
  NEIGHBOR_REFRESH_INTERVAL_MS: envTypes.positiveInt(600_000),
};

export interface PersonalizationOptions {
  /** @default an in-process LRU */
  cache?: Cache;
  logger: Logger;
  settings?: Partial<RecommenderSettings>;
  /** The clock (tests). @default Date.now */
  now?: () => number;
}

/** Pure builder: schema, the process's recommender and the per-request context, so tests run it in-process. */
export function buildPersonalization(db: Kysely<PersonalizationDatabase>, options: PersonalizationOptions) {
  const recommender = createRecommender({ db, cache: options.cache ?? new LruCache(50_000), logger: options.logger, settings: options.settings, now: options.now });
  return {
    typeDefs,
    resolvers,
    recommender,
    context: async (info: RequestInfo): Promise<Context> => ({ ...baseContext(info), recommender, loaders: createLoaders(recommender) }),
  };
}
