import type { Kysely } from 'kysely';
import type { SubgraphBaseContext } from '@shop/platform';
import type { OrdersDatabase } from './db/database.ts';
import type { Loaders } from './loaders.ts';
import type { InventoryClient } from './clients/inventory.ts';
import type { PricingClient } from './clients/pricing.ts';
import type { PaymentProvider } from './payment/payment.port.ts';

export interface Context extends SubgraphBaseContext {
  db: Kysely<OrdersDatabase>;
  loaders: Loaders;
  inventory: InventoryClient;
  pricing: PricingClient;
  payments: PaymentProvider;
}
