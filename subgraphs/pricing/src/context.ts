import type { Kysely } from 'kysely';
import type { SubgraphBaseContext } from '@shop/platform';
import type { PricingDatabase } from './db/database.ts';
import type { Loaders } from './price/price.loaders.ts';

export interface Context extends SubgraphBaseContext {
  db: Kysely<PricingDatabase>;
  loaders: Loaders;
}
