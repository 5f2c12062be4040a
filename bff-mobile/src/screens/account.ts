import { BffError, BffErrorCode, readPage, recommendationsAt } from '@shop/bff';
import { MobileAccountDocument, MobileTrackEventDocument } from '../__generated__/gateway/graphql.ts';
import type { MobileAccount } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { toOrder } from './cart.ts';
import { toTile } from './format.ts';

/** Orders and picks for the signed-in shopper; never cached (it is theirs alone). */
export async function account(ctx: Context, region: string): Promise<MobileAccount> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const { data, partial, errors } = readPage(await ctx.call(MobileAccountDocument, { region: region as never, ordersFirst: 10 }), recommendationsAt('me', 'recommendations'));
  if (partial) ctx.logger.warn({ errors }, 'account screen without recommendations');
  if (!data.me) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  return {
    userId: data.me.id,
    orders: data.me.orders.edges.map((e) => toOrder(e.node)),
    recommendations: (data.me.recommendations ?? []).map((r) => toTile(r.product, r.reason)),
  };
}

export async function trackEvent(ctx: Context, type: string, productId: string): Promise<boolean> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const { data } = readPage(await ctx.call(MobileTrackEventDocument, { type: type as never, productId }));
  return data.trackEvent.accepted;
}
