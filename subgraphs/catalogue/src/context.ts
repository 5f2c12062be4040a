import type { Kysely } from 'kysely';
import type { SubgraphBaseContext } from '@shop/platform';
import type { CatalogueDatabase } from './db/database.ts';
import type { Loaders } from './product/product.loaders.ts';

export interface Context extends SubgraphBaseContext {
  db: Kysely<CatalogueDatabase>;
  loaders: Loaders;
}
