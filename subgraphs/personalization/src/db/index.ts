/** What the dev runner and tests need to prepare this subgraph's database. */
export { migrations } from './migrations/index.ts';
export { seedPersonalization as seed } from './seed.ts';
export type { PersonalizationDatabase as Database } from './database.ts';
