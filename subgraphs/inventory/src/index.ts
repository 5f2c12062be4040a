import { runMain, runSubgraph } from '@shop/platform';
import type { InventoryDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { buildInventory, defaultPort, migrations, name } from './subgraph.ts';

await runMain(() => runSubgraph<InventoryDatabase, Context>({ name, defaultPort, migrations, build: ({ db }) => buildInventory(db.db) }));
