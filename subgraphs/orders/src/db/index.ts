/** What the dev runner and tests need to prepare this subgraph's database (no demo data: carts and orders come from shoppers). */
export { migrations } from './migrations/index.ts';
export type { OrdersDatabase as Database } from './database.ts';
