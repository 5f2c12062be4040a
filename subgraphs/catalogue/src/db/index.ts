/** What the dev runner and tests need to prepare this subgraph's database. */
export { migrations } from './migrations/index.ts';
export { seedCatalogue as seed } from './seed.ts';
export type { CatalogueDatabase as Database } from './database.ts';
