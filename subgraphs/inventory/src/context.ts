import type { Kysely } from 'kysely';
import type { SubgraphBaseContext } from '@shop/platform';
import type { InventoryDatabase } from './db/database.ts';
import type { Loaders } from './stock/stock.loaders.ts';

/** Settings the resolvers need, read from the environment at start (src/index.ts). */
export interface InventorySettings {
  /** Lifetime of a cart's holds when reserveStock gets no `ttlSeconds` (RESERVATION_TTL_SECONDS). */
  reservationTtlSeconds: number;
}

export interface Context extends SubgraphBaseContext {
  db: Kysely<InventoryDatabase>;
  loaders: Loaders;
  settings: InventorySettings;
}
