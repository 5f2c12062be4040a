import { badUserInput, DecimalScalar, decodeCursor, encodeCursor, money, unauthenticated, validateFirst } from '@shop/platform';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { canSee, createCart, setCartLine } from '../cart/cart.service.ts';
import { checkout } from '../checkout/checkout.service.ts';
import { countUserOrders, pageUserOrders } from '../order/order.repository.ts';

function viewer(ctx: Context): string {
  if (!ctx.userId) throw unauthenticated();
  return ctx.userId;
}
const cartDeps = (ctx: Context) => ({ db: ctx.db, inventory: ctx.inventory, pricing: ctx.pricing, requestId: ctx.requestId, userId: ctx.userId });

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  Query: {
    cart: async (_, { id }, ctx) => {
      const cart = await ctx.loaders.cart.load(id);
      return cart && canSee(cart, ctx.userId) ? cart : null;
    },
    order: async (_, { id }, ctx) => {
      const userId = viewer(ctx);
      const order = await ctx.loaders.order.load(id);
      return order && order.user_id === userId ? order : null;
    },
    me: (_, __, ctx) => ({ id: viewer(ctx) }),
  },
  Mutation: {
    cartCreate: (_, { region }, ctx) => createCart(ctx.db, region, ctx.userId),
    cartAddLine: (_, { cartId, sku, quantity }, ctx) => {
      if (!Number.isInteger(quantity) || quantity < 1) return { cart: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['quantity'], message: 'Add at least 1 unit' }] };
      return setCartLine(cartDeps(ctx), cartId, sku, (current) => current + quantity);
    },
    cartUpdateLine: (_, { cartId, sku, quantity }, ctx) => setCartLine(cartDeps(ctx), cartId, sku, quantity),
    cartRemoveLine: (_, { cartId, sku }, ctx) => setCartLine(cartDeps(ctx), cartId, sku, 0),
    checkout: (_, { cartId, idempotencyKey, payment }, ctx) =>
      checkout({ db: ctx.db, inventory: ctx.inventory, pricing: ctx.pricing, payments: ctx.payments, logger: ctx.logger, requestId: ctx.requestId }, viewer(ctx), {
        cartId,
        idempotencyKey,
        token: payment.token,
      }),
  },
  Cart: {
    reservedUntil: (c) => (c.reserved_until ? new Date(c.reserved_until).toISOString() : null),
    lines: async (c, _, ctx) => (await ctx.loaders.cartLines.load(c.id)).map((l) => ({ ...l, cart: c })),
    cost: async (c, _, ctx) => {
      const q = await ctx.loaders.cartQuote.load(c);
      return { subtotal: money(q.subtotalMinor, q.currencyCode), tax: money(q.taxMinor, q.currencyCode), total: money(q.totalMinor, q.currencyCode) };
    },
  },
  CartLine: {
    variant: (l) => ({ sku: l.sku }),
    cost: async (l, _, ctx) => {
      const q = await ctx.loaders.cartQuote.load(l.cart);
      const line = q.lines.find((x) => x.sku === l.sku);
      return money(line?.lineTotalMinor ?? 0, q.currencyCode);
    },
  },
  Order: {
    __resolveReference: async (ref, ctx) => {
      const order = await ctx.loaders.order.load(ref.id);
      return order && order.user_id === ctx.userId ? order : null;
    },
    lines: (o, _, ctx) => ctx.loaders.orderLines.load(o.id),
    subtotal: (o) => money(o.subtotal_minor, o.currency_code),
    tax: (o) => money(o.tax_minor, o.currency_code),
    total: (o) => money(o.total_minor, o.currency_code),
    createdAt: (o) => new Date(o.created_at).toISOString(),
  },
  OrderLine: {
    variant: (l) => ({ sku: l.sku }),
    unitPrice: async (l, _, ctx) => {
      const order = await ctx.loaders.order.load(l.order_id);
      return money(l.unit_price_minor, order!.currency_code);
    },
  },
  User: {
    __resolveReference: (ref, ctx) => (ref.id === ctx.userId ? { id: ref.id } : null),
    orders: async (u, { first, after }, ctx) => {
      if (u.id !== ctx.userId) throw unauthenticated();
      const limit = validateFirst(first, 50);
      let cursor: { createdAt: Date; id: string } | undefined;
      if (after != null) {
        const [at, id] = decodeCursor('order', after).split('|');
        const createdAt = new Date(at ?? '');
        if (!id || Number.isNaN(createdAt.getTime())) throw badUserInput('after', 'is not a valid cursor for this list');
        cursor = { createdAt, id };
      }
      const [rows, totalCount] = await Promise.all([pageUserOrders(ctx.db, u.id, cursor, limit + 1), countUserOrders(ctx.db, u.id)]);
      const page = rows.slice(0, limit);
      for (const o of page) ctx.loaders.order.prime(o.id, o);
      const edges = page.map((node) => ({ cursor: encodeCursor('order', `${new Date(node.created_at).toISOString()}|${node.id}`), node }));
      return { totalCount, pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null }, edges };
    },
  },
};
