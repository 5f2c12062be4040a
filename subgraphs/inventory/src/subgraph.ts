import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { baseContext, readGraphQLFile, envTypes, type RequestInfo } from '@shop/platform';
import type { InventoryDatabase } from './db/database.ts';
import { createLoaders } from './stock/stock.loaders.ts';
import { resolvers } from './schema/resolvers.ts';
import { DEFAULT_RESERVATION_TTL_SECONDS } from './reservation/reservation.rules.ts';
import type { Context, InventorySettings } from './context.ts';

export const name = 'inventory';
export const defaultPort = 4002;
export const typeDefs = parse(readGraphQLFile(new URL('./schema/inventory.graphql', import.meta.url)));
export { migrations } from './db/migrations/index.ts';

/** Inventory's own settings, on top of every subgraph's (parsed in src/index.ts). */
export const inventoryEnvShape = {
  /** @default 900 // 15 minutes a cart's holds last without another reserve */
  RESERVATION_TTL_SECONDS: envTypes.positiveInt(DEFAULT_RESERVATION_TTL_SECONDS),
  /** @default 1_000 // 1 second between expiry sweeps */
  RESERVATION_SWEEP_INTERVAL_MS: envTypes.positiveInt(1_000),
};

export const defaultSettings: InventorySettings = { reservationTtlSeconds: DEFAULT_RESERVATION_TTL_SECONDS };

/** Pure builder: schema and per-request context, so tests run it in-process. */
export function buildInventory(db: Kysely<InventoryDatabase>, settings: InventorySettings = defaultSettings) {
  return {
    typeDefs,
    resolvers,
    context: async (info: RequestInfo): Promise<Context> => ({ ...baseContext(info), db, loaders: createLoaders(db), settings }),
  };
}
