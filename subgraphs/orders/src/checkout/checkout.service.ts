import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendToOutbox, ErrorCode, EventType, InternalCallError, type Logger, type OrderPlacedData } from '@shop/platform';
import type { OrdersDatabase } from '../db/database.ts';
import type { InventoryClient, UserErrorView } from '../clients/inventory.ts';
import type { PricingClient } from '../clients/pricing.ts';
import type { PaymentProvider } from '../payment/payment.port.ts';
import { canSee, userError } from '../cart/cart.service.ts';
import { findLines, lockCart } from '../cart/cart.repository.ts';
import { findOrders, type OrderRow } from '../order/order.repository.ts';

export interface CheckoutDeps {
  db: Kysely<OrdersDatabase>;
  inventory: InventoryClient;
  pricing: PricingClient;
  payments: PaymentProvider;
  logger: Logger;
  requestId: string;
}

export type CheckoutResult = { order: OrderRow | null; userErrors: UserErrorView[] };

const KEY_PATTERN = /^[\w.:-]{8,200}$/;
const fail = (code: string, field: string[] | null, message: string): CheckoutResult => ({ order: null, userErrors: [userError(code, field, message)] });

/**
 * reserveStockLines names a line's field by its index (input.lines.3.quantity); checkout passed
 * reserveStock's errors on before (input.quantity), so it keeps answering with those names.
 */
const asLineError = (e: UserErrorView): UserErrorView => (e.field?.length === 4 && e.field[1] === 'lines' ? { ...e, field: ['input', e.field[3]!] } : e);

/** Thrown inside the transaction to roll it back and answer with these user errors. */
class SagaFailure extends Error {
  constructor(readonly result: CheckoutResult) {
    super(result.userErrors[0]?.message);
  }
}

/**
 * The checkout saga, run inside one orders transaction that holds the
 * idempotency key's row lock from start to end:
 *
 *   1. claim (userId, key): a concurrent or repeated checkout with the key waits on
 *      this row, then finds the first one's order; another cart gives IDEMPOTENCY_KEY_REUSED;
 *   2. lock the cart; bind it to the shopper;
 *   3. confirm stock: re-reserve every line, in one call (a released or lapsed reservation is taken again or fails);
 *   4. quote the lines with tax (pricing);
 *   5. authorize the payment (the provider deduplicates by key);
 *   6. commit the reservations (inventory);
 *   7. write the order, its lines, `orders.order.placed` and the key's order id, and commit.
 *
 * A failed step compensates the earlier ones: a decline or invalid token gives
 * the stock back; a failed commit voids the authorization. Business failures
 * roll the key back, so the shopper can fix the cart and retry with the same key.
 * Once step 7 commits, a retry (also after a crash before the reply) finds the order.
 */
export async function checkout(deps: CheckoutDeps, userId: string, input: { cartId: string; idempotencyKey: string; token: string }): Promise<CheckoutResult> {
  if (!KEY_PATTERN.test(input.idempotencyKey)) return fail(ErrorCode.BAD_USER_INPUT, ['idempotencyKey'], 'The idempotency key must be 8 to 200 letters, digits or ._:-');
  const ctx = { requestId: deps.requestId };
  try {
    return await deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('idempotency_key')
        .values({ user_id: userId, key: input.idempotencyKey, cart_id: input.cartId })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .execute();
      const claim = await trx.selectFrom('idempotency_key').selectAll().where('user_id', '=', userId).where('key', '=', input.idempotencyKey).forUpdate().executeTakeFirstOrThrow();
      if (claim.cart_id !== input.cartId) return fail(ErrorCode.IDEMPOTENCY_KEY_REUSED, ['idempotencyKey'], 'This idempotency key was used for another cart');
      if (claim.order_id) {
        const [order] = await findOrders(trx, [claim.order_id]);
        return { order: order ?? null, userErrors: [] };
      }

      const cart = await lockCart(trx, input.cartId);
      if (!cart || !canSee(cart, userId)) throw new SagaFailure(fail(ErrorCode.NOT_FOUND, ['cartId'], 'No such cart'));
      if (cart.status !== 'OPEN') throw new SagaFailure(fail(ErrorCode.CART_CLOSED, ['cartId'], 'The cart has already been checked out'));
      const lines = await findLines(trx, [cart.id]);
      if (lines.length === 0) throw new SagaFailure(fail(ErrorCode.CART_EMPTY, ['cartId'], 'The cart is empty'));

      // Every line in one call, all or nothing, so a checkout costs inventory the same whatever the cart's size.
      // A retry after a lost reply (or a crash) may find the stock already sold to this cart: then go on to the order.
      const reserved = await deps.inventory.reserveLines({ cartId: cart.id, region: cart.region, lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) }, ctx);
      const alreadyCommitted = reserved.userErrors[0]?.code === ErrorCode.ALREADY_COMMITTED;
      if (reserved.userErrors.length && !alreadyCommitted) throw new SagaFailure({ order: null, userErrors: reserved.userErrors.map(asLineError) });
      const quote = await deps.pricing.quote(cart.region, lines.map((l) => ({ sku: l.sku, quantity: l.quantity })), ctx);
      if (quote.unpriced.length) {
        await deps.inventory.release(cart.id, null, ctx);
        throw new SagaFailure(fail(ErrorCode.NOT_FOUND, ['cartId'], `Not sold in ${cart.region}: ${quote.unpriced.join(', ')}`));
      }

      const auth = await deps.payments.authorize({ requestKey: `${userId}:${input.idempotencyKey}`, amountMinor: quote.totalMinor, currencyCode: quote.currencyCode, token: input.token });
      if (auth.status !== 'AUTHORIZED') {
        if (!alreadyCommitted) await deps.inventory.release(cart.id, null, ctx);
        throw new SagaFailure(fail(auth.status === 'DECLINED' ? ErrorCode.PAYMENT_DECLINED : ErrorCode.PAYMENT_INVALID, ['payment', 'token'], auth.message));
      }

      // The commit's outcome is unknown when its reply is lost: ask again (a second commit answers
      // ALREADY_COMMITTED) before compensating, so stock that was sold is never sold twice.
      const committed = await deps.inventory
        .commit(cart.id, ctx)
        .catch(() => deps.inventory.commit(cart.id, ctx))
        .catch(async (err: unknown) => {
          deps.logger.error({ err, cartId: cart.id }, 'commit outcome unknown after retry; voiding the payment — reconcile the cart in inventory');
          await deps.payments.void(auth.authorizationId);
          throw err;
        });
      const commitErrors = committed.userErrors.filter((e) => e.code !== ErrorCode.ALREADY_COMMITTED);
      if (commitErrors.length) {
        await deps.payments.void(auth.authorizationId);
        throw new SagaFailure({ order: null, userErrors: commitErrors });
      }

      const orderId = `ord_${randomBytes(12).toString('base64url')}`;
      const order = await trx
        .insertInto('customer_order')
        .values({
          id: orderId,
          user_id: userId,
          cart_id: cart.id,
          region: cart.region,
          status: 'CONFIRMED',
          currency_code: quote.currencyCode,
          subtotal_minor: quote.subtotalMinor,
          tax_minor: quote.taxMinor,
          total_minor: quote.totalMinor,
          payment_authorization_id: auth.authorizationId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('order_line')
        .values(quote.lines.map((l) => ({ order_id: orderId, sku: l.sku, product_id: l.productId, quantity: l.quantity, unit_price_minor: l.unitPriceMinor, line_total_minor: l.lineTotalMinor })))
        .execute();
      await trx.updateTable('cart').set({ status: 'CHECKED_OUT', user_id: userId, reserved_until: null, updated_at: sql`now()` }).where('id', '=', cart.id).execute();
      await trx.updateTable('idempotency_key').set({ order_id: orderId }).where('user_id', '=', userId).where('key', '=', input.idempotencyKey).execute();
      await appendToOutbox<OrderPlacedData>(trx, {
        type: EventType.orderPlaced,
        source: 'orders',
        subject: orderId,
        version: 1,
        data: { orderId, userId, region: cart.region, lines: quote.lines.map((l) => ({ sku: l.sku, productId: l.productId, quantity: l.quantity })), totalMinor: quote.totalMinor, currencyCode: quote.currencyCode },
      });
      return { order, userErrors: [] };
    });
  } catch (err) {
    if (err instanceof SagaFailure) return err.result;
    if (err instanceof InternalCallError) {
      deps.logger.warn({ err }, 'checkout step failed');
      return fail(ErrorCode.UPSTREAM_UNAVAILABLE, null, 'Checkout is unavailable right now; retry with the same idempotency key');
    }
    throw err;
  }
}
