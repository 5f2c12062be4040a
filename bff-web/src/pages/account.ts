import { BffError, BffErrorCode, readPage, recommendationsAt } from '@shop/bff';
import { WebAccountDocument, WebTrackEventDocument } from '../__generated__/gateway/graphql.ts';
import type { WebAccountPage } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { toCard } from './cards.ts';
import { toOrder } from './cart.ts';

/** Orders and picks for the signed-in shopper; never cached (it is theirs alone). */
export async function accountPage(ctx: Context, regionCode: string): Promise<WebAccountPage> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const region = await ctx.regions.get(regionCode);
  const { data, partial, errors } = readPage(await ctx.call(WebAccountDocument, { region: regionCode as never, ordersFirst: 10 }), recommendationsAt('me', 'recommendations'));
  if (partial) ctx.logger.warn({ errors }, 'account page without recommendations');
  if (!data.me) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  return {
    userId: data.me.id,
    orders: await Promise.all(data.me.orders.edges.map((e) => toOrder(ctx, e.node))),
    recommendations: (data.me.recommendations ?? []).map((r) => toCard(r.product, region, r.reason)),
  };
}

export async function trackEvent(ctx: Context, type: string, productId: string): Promise<boolean> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const { data } = readPage(await ctx.call(WebTrackEventDocument, { type: type as never, productId }));
  return data.trackEvent.accepted;
}
