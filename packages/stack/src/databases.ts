import { createDb, createLogger, ensureDatabase, migrateToLatest, withDatabase } from '@shop/platform';
import type { ServiceSpec } from './services.ts';

export interface PrepareOptions {
  /** A URL of the PostgreSQL server; each subgraph gets its own database on it. */
  serverUrl: string;
  /** Database name prefix: `shop_` gives shop_catalogue, shop_inventory, … */
  prefix: string;
  products: number;
  reseed: boolean;
  log: (line: string) => void;
}

/** Creates, migrates and (once) seeds every subgraph's database. Returns name -> database URL. */
export async function prepareDatabases(services: ServiceSpec[], options: PrepareOptions): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  const logger = createLogger('stack', 'warn');
  // allSettled: the caller stops PostgreSQL on failure, so every step must have let go of its
  // connections first, and the first real error (not a connection killed by the shutdown) is the one reported.
  const results = await Promise.allSettled(
    services.map(async (service) => {
      if (!service.database) return;
      const database = `${options.prefix}${service.name}`;
      await ensureDatabase(options.serverUrl, database);
      const url = withDatabase(options.serverUrl, database);
      urls[service.name] = url;
      // Seeding 100,000 products runs statements far longer than a request's timeout.
      const { db, close } = createDb<any>({ url, logger, statementTimeoutMs: 0 });
      try {
        const applied = await migrateToLatest(db, service.database.migrations);
        if (applied.length) options.log(`${service.name}: migrated (${applied.join(', ')})`);
        if (!service.database.seed) return;
        const started = Date.now();
        const seeded = await service.database.seed(db, options.products, options.reseed);
        options.log(seeded ? `${service.name}: seeded ${options.products} products in ${Date.now() - started} ms` : `${service.name}: seed data present`);
      } finally {
        await close();
      }
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return urls;
}
