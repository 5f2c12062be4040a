import { runMain, runSubgraph } from '@shop/platform';
import type { CatalogueDatabase } from './db/database.ts';
import type { Context } from './context.ts';
import { buildCatalogue, defaultPort, migrations, name } from './subgraph.ts';

await runMain(() => runSubgraph<CatalogueDatabase, Context>({ name, defaultPort, migrations, build: ({ db }) => buildCatalogue(db.db) }));
