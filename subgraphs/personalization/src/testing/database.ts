import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sql, type Kysely } from 'kysely';
import { createCache, createDb, createLogger, createSubgraphApollo, dropDatabase, ensureDatabase, Header, migrateToLatest, withDatabase, type Cache, type Db } from '@shop/platform';
import type { PersonalizationDatabase } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedPersonalization } from '../db/seed.ts';
import type { Recommender, RecommenderSettings } from '../recommend/recommend.service.ts';
import { buildPersonalization } from '../subgraph.ts';
import type { Context } from '../context.ts';

/** Helpers for this package's int tests: a seeded database of their own, the recommender, and GraphQL in-process. */

export interface TestPersonalization {
  db: Kysely<PersonalizationDatabase>;
  handle: Db<PersonalizationDatabase>;
  recommender: Recommender;
  cache: Cache;
  /** SQL statements sent since the last reset. */
  statements: { count: number };
  /** Runs an operation against the subgraph's schema, as the gateway would (x-shop-user-id for a signed-in shopper). */
  execute(query: string, variables?: Record<string, unknown>, userId?: string): Promise<{ data?: any; errors?: readonly any[] }>;
  close(): Promise<void>;
}

export async function startTestPersonalization(options: {
  serverUrl: string;
  redisUrl?: string;
  name: string;
  products: number;
  shoppers: number;
  settings?: Partial<RecommenderSettings>;
}): Promise<TestPersonalization> {
  const database = `t_pers_${options.name}_${process.pid}_${Date.now()}`;
  await ensureDatabase(options.serverUrl, database);
  const logger = createLogger('test', 'silent');
  const statements = { count: 0 };
  const handle = createDb<PersonalizationDatabase>({ url: withDatabase(options.serverUrl, database), logger, poolSize: 20, onQuery: () => statements.count++ });
  await migrateToLatest(handle.db, migrations);
  await seedPersonalization(handle.db, options.products, true, { shoppers: options.shoppers });
  await sql`ANALYZE`.execute(handle.db);
  const cache = createCache({ redisUrl: options.redisUrl, prefix: `test:personalization:${randomUUID()}:` });
  const def = buildPersonalization(handle.db, { cache, logger, settings: options.settings });
  const apollo = createSubgraphApollo<Context>(def, { production: false, logger });
  await apollo.start();
  return {
    db: handle.db,
    handle,
    recommender: def.recommender,
    cache,
    statements,
    async execute(query, variables, userId) {
      const req = { headers: userId ? { [Header.userId]: userId } : {} } as unknown as IncomingMessage;
      const contextValue = await def.context({ req, requestId: randomUUID(), logger });
      const res = await apollo.executeOperation({ query, variables }, { contextValue });
      if (res.body.kind !== 'single') throw new Error('incremental delivery is not expected');
      return res.body.singleResult as { data?: any; errors?: readonly any[] };
    },
    async close() {
      await apollo.stop();
      await cache.close();
      await handle.close();
      await dropDatabase(options.serverUrl, database);
    },
  };
}

/** The events this subgraph's outbox holds, oldest first. */
export async function outboxEvents(db: Kysely<PersonalizationDatabase>, type?: string) {
  let q = db.selectFrom('outbox').select(['type', 'subject', 'version', 'data']).orderBy('seq');
  if (type) q = q.where('type', '=', type);
  return q.execute();
}

/** Whether a product is in stock in a region, by personalization's own table. */
export async function inStock(db: Kysely<PersonalizationDatabase>, productId: string, region: string): Promise<boolean> {
  const row = await db.selectFrom('product_region_stock').select('in_stock').where('product_id', '=', productId).where('region', '=', region as never).executeTakeFirst();
  return row?.in_stock ?? false;
}
