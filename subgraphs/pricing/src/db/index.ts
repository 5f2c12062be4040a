/** What the dev runner and tests need to prepare this subgraph's database. */
export { migrations } from './migrations/index.ts';
export { seedPricing as seed } from './seed.ts';
export type { PricingDatabase as Database } from './database.ts';
