import type { Kysely } from 'kysely';

/** What the dev runner and tests need to prepare this subgraph's database. */
export { migrations } from './migrations/index.ts';
export type { OrdersDatabase as Database } from './database.ts';

/** Orders has no demo data of its own: carts and orders come from shoppers. */
export async function seed(_db: Kysely<unknown>, _products: number, _force = false): Promise<boolean> {
  return false;
}
