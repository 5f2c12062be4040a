import { parse } from 'graphql';
import type { Kysely } from 'kysely';
import { baseContext, readGraphQLFile, createInternalClient, type RequestInfo } from '@shop/platform';
import type { OrdersDatabase } from './db/database.ts';
import { createLoaders } from './loaders.ts';
import { resolvers } from './schema/resolvers.ts';
import { inventoryClient } from './clients/inventory.ts';
import { pricingClient } from './clients/pricing.ts';
import type { PaymentProvider } from './payment/payment.port.ts';
import type { Context } from './context.ts';

export const name = 'orders';
export const defaultPort = 4005;
export const typeDefs = parse(readGraphQLFile(new URL('./schema/orders.graphql', import.meta.url)));
export { migrations } from './db/migrations/index.ts';

export interface OrdersOptions {
  inventoryUrl: string;
  pricingUrl: string;
  internalSecret: string;
  /** @default 5_000 // 5 seconds per internal call */
  callTimeoutMs: number;
  payments: PaymentProvider;
}

/** Pure builder: schema and per-request context, so tests run it in-process. */
export function buildOrders(db: Kysely<OrdersDatabase>, options: OrdersOptions) {
  const inventoryHttp = createInternalClient({ service: 'inventory', url: options.inventoryUrl, secret: options.internalSecret, timeoutMs: options.callTimeoutMs });
  const pricingHttp = createInternalClient({ service: 'pricing', url: options.pricingUrl, secret: options.internalSecret, timeoutMs: options.callTimeoutMs });
  const inventory = inventoryClient(inventoryHttp);
  const pricing = pricingClient(pricingHttp);
  return {
    typeDefs,
    resolvers,
    context: async (info: RequestInfo): Promise<Context> => {
      const base = baseContext(info);
      return { ...base, db, inventory, pricing, payments: options.payments, loaders: createLoaders(db, pricing, base.requestId) };
    },
    close: async () => {
      await Promise.all([inventoryHttp.close(), pricingHttp.close()]);
    },
  };
}
