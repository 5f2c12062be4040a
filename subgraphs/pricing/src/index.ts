import { runMain, runSubgraph } from '@shop/platform';
import type { PricingDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { buildPricing, defaultPort, migrations, name } from './subgraph.ts';

await runMain(() => runSubgraph<PricingDatabase, Context>({ name, defaultPort, migrations, build: ({ db }) => buildPricing(db.db) }));
