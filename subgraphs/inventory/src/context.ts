import type { Kysely } from 'kysely';
import type { SubgraphBaseContext } from '@shop/platform';
import type { InventoryDatabase } from './db/database.ts';
import type { Loaders } from './stock/stock.loaders.ts';

export interface Context extends SubgraphBaseContext {
  db: Kysely<InventoryDatabase>;
  loaders: Loaders;
}
