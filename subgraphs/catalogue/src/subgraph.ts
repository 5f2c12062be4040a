import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { baseContext, readGraphQLFile, type RequestInfo } from '@shop/platform';
import type { CatalogueDatabase } from './db/database.ts';
import { createLoaders } from './product/product.loaders.ts';
import { resolvers } from './schema/resolvers.ts';
import type { Context } from './context.ts';

export const name = 'catalogue';
export const defaultPort = 4001;
export const typeDefs = parse(readGraphQLFile(new URL('./schema/catalogue.graphql', import.meta.url)));
export { migrations } from './db/migrations/index.ts';

/** Pure builder: schema and per-request context, so tests run it in-process. */
export function buildCatalogue(db: Kysely<CatalogueDatabase>) {
  return {
    typeDefs,
    resolvers,
    context: async (info: RequestInfo): Promise<Context> => ({ ...baseContext(info), db, loaders: createLoaders(db) }),
  };
}
