/** What the dev runner and tests need to prepare this subgraph's database. */
export { migrations } from './migrations/index.ts';
export { seedInventory as seed } from './seed.ts';
export type { InventoryDatabase as Database } from './database.ts';
