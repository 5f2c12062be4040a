import { createDb, createLogger, envTypes, parseEnv, runMain, runSubgraph } from '@shop/platform';
import type { OrdersDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { TestPaymentProvider } from './payment/test-provider.ts';
import { buildOrders, defaultPort, migrations, name } from './subgraph.ts';

await runMain(async () => {
  const env = parseEnv({
    INVENTORY_URL: envTypes.url().default('http://127.0.0.1:4002/graphql'),
    PRICING_URL: envTypes.url().default('http://127.0.0.1:4003/graphql'),
    /** @default 5_000 // 5 seconds per call to inventory or pricing */
    INTERNAL_CALL_TIMEOUT_MS: envTypes.positiveInt(5_000),
  });
  await runSubgraph<OrdersDatabase, Context>({
    name,
    defaultPort,
    migrations,
    build: ({ db, env: common }) => {
      // The test-mode provider keeps its ledger on a pool of its own, outside
      // the checkout transactions, as an external provider would be.
      const ledger = createDb<OrdersDatabase>({ url: common.DATABASE_URL, logger: createLogger('payments', common.LOG_LEVEL), poolSize: 4 });
      const def = buildOrders(db.db, {
        inventoryUrl: env.INVENTORY_URL,
        pricingUrl: env.PRICING_URL,
        internalSecret: common.INTERNAL_SECRET,
        callTimeoutMs: env.INTERNAL_CALL_TIMEOUT_MS,
        payments: new TestPaymentProvider(ledger.db),
      });
      return { ...def, close: async () => Promise.all([def.close(), ledger.close()]).then(() => {}) };
    },
  });
});
