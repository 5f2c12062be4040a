import type { Kysely } from 'kysely';
import { byKey, groupBy, namedLoader } from '@shop/platform';
import type { OrdersDatabase } from './db/database.ts';
import { findCarts, findLines, type CartLineRow, type CartRow } from './cart/cart.repository.ts';
import { findOrderLines, findOrders, type OrderLineRow, type OrderRow } from './order/order.repository.ts';
import type { PricingClient, Quote } from './clients/pricing.ts';

/** Per request: one statement per kind of lookup, one pricing quote per cart. */
export function createLoaders(db: Kysely<OrdersDatabase>, pricing: PricingClient, requestId: string) {
  const cartLines = namedLoader<string, CartLineRow[]>('cartLines', async (ids) => groupBy(ids, await findLines(db, ids), (r) => r.cart_id));
  return {
    cart: namedLoader<string, CartRow | null>('cart', async (ids) => byKey(ids, await findCarts(db, ids), (r) => r.id)),
    cartLines,
    order: namedLoader<string, OrderRow | null>('order', async (ids) => byKey(ids, await findOrders(db, ids), (r) => r.id)),
    orderLines: namedLoader<string, OrderLineRow[]>('orderLines', async (ids) => groupBy(ids, await findOrderLines(db, ids), (r) => r.order_id)),
    /** The cart's lines priced with the region's tax rule, one pricing call per cart. */
    cartQuote: namedLoader<CartRow, Quote, string>(
      'cartQuote',
      (carts) =>
        Promise.all(
          carts.map(async (cart) => {
            const lines = await cartLines.load(cart.id);
            return pricing.quote(cart.region, lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), { requestId });
          }),
        ),
      { cacheKeyFn: (c) => c.id },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
