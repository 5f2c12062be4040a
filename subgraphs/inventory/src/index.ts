import { parseEnv, runMain, runSubgraph } from '@shop/platform';
import type { InventoryDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { startExpirySweeper } from './reservation/expiry.ts';
import { buildInventory, defaultPort, inventoryEnvShape, migrations, name } from './subgraph.ts';

await runMain(async () => {
  const env = parseEnv(inventoryEnvShape);
  return runSubgraph<InventoryDatabase, Context>({
    name,
    defaultPort,
    migrations,
    build: ({ db, logger }) => {
      // Every replica sweeps; SKIP LOCKED shares the expired holds out between them.
      const sweeper = startExpirySweeper(db.db, { intervalMs: env.RESERVATION_SWEEP_INTERVAL_MS, logger });
      return { ...buildInventory(db.db, { reservationTtlSeconds: env.RESERVATION_TTL_SECONDS }), close: () => sweeper.stop() };
    },
  });
});
