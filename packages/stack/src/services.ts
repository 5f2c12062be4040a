import { fileURLToPath } from 'node:url';
import type { Migration, Kysely } from 'kysely';
import * as catalogue from '@shop/catalogue/db';
import * as inventory from '@shop/inventory/db';
import * as pricing from '@shop/pricing/db';
import * as orders from '@shop/orders/db';
import * as personalization from '@shop/personalization/db';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface DatabaseModule {
  migrations: Record<string, Migration>;
  /** Absent for subgraphs with no demo data of their own. */
  seed?: (db: Kysely<any>, products: number, force?: boolean) => Promise<boolean>;
}

export interface ServiceSpec {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
  defaultPort: number;
  /** Environment variable that overrides the port in the runner. */
  portVar: string;
  database?: DatabaseModule;
  /** Node options the service runs with (V8 heap settings and the like). */
  nodeOptions?: string[];
}

/** Every service `pnpm start` runs, in start order (subgraphs before the gateway). */
export const SUBGRAPH_SERVICES: ServiceSpec[] = [
  { name: 'catalogue', entry: 'subgraphs/catalogue/src/index.ts', defaultPort: 4001, portVar: 'CATALOGUE_PORT', database: catalogue },
  { name: 'inventory', entry: 'subgraphs/inventory/src/index.ts', defaultPort: 4002, portVar: 'INVENTORY_PORT', database: inventory },
  { name: 'pricing', entry: 'subgraphs/pricing/src/index.ts', defaultPort: 4003, portVar: 'PRICING_PORT', database: pricing },
  { name: 'personalization', entry: 'subgraphs/personalization/src/index.ts', defaultPort: 4004, portVar: 'PERSONALIZATION_PORT', database: personalization },
  { name: 'orders', entry: 'subgraphs/orders/src/index.ts', defaultPort: 4005, portVar: 'ORDERS_PORT', database: orders },
];
export const GATEWAY_SERVICE: ServiceSpec = {
  name: 'gateway',
  entry: 'gateway/src/index.ts',
  defaultPort: 4000,
  portVar: 'GATEWAY_PORT',
  // Each request allocates its subgraphs' answers and its own result, all short-lived: a larger young
  // generation lets them die there instead of being promoted and collected by full GCs (pnpm bench gateways).
  nodeOptions: ['--max-semi-space-size=128'],
};
/** Publishes the outboxes of these subgraphs to the bus. */
export const RELAY_SERVICE: ServiceSpec & { sources: string[] } = { name: 'relay', entry: 'packages/relay/src/index.ts', defaultPort: 4300, portVar: 'RELAY_PORT', sources: ['inventory', 'orders', 'personalization', 'pricing', 'catalogue'] };
/** The backends-for-frontends, started once the gateway is ready (they call nothing else). */
export const BFF_SERVICES: ServiceSpec[] = [
  { name: 'bff-web', entry: 'bff-web/src/index.ts', defaultPort: 4100, portVar: 'BFF_WEB_PORT' },
  { name: 'bff-mobile', entry: 'bff-mobile/src/index.ts', defaultPort: 4200, portVar: 'BFF_MOBILE_PORT' },
];
/** Every service a stack runs, for port allocation. */
export const ALL_SERVICES: ServiceSpec[] = [...SUBGRAPH_SERVICES, GATEWAY_SERVICE, RELAY_SERVICE, ...BFF_SERVICES];
