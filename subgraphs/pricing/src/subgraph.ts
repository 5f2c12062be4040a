import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { baseContext, readGraphQLFile, type RequestInfo } from '@shop/platform';
import type { PricingDatabase } from './db/database.ts';
import { createLoaders } from './price/price.loaders.ts';
import { resolvers } from './schema/resolvers.ts';
import type { Context } from './context.ts';

export const name = 'pricing';
export const defaultPort = 4003;
export const typeDefs = parse(readGraphQLFile(new URL('./schema/pricing.graphql', import.meta.url)));
export { migrations } from './db/migrations/index.ts';

/** Pure builder: schema and per-request context, so tests run it in-process. */
export function buildPricing(db: Kysely<PricingDatabase>) {
  return {
    typeDefs,
    resolvers,
    context: async (info: RequestInfo): Promise<Context> => ({ ...baseContext(info), db, loaders: createLoaders(db) }),
  };
}
