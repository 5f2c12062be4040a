import { BffError, BffErrorCode, checkQuantity, fromGatewayError, readPage, toMinorUnits, toUserErrors } from '@shop/bff';
import {
  MobileCartAddLineDocument,
  MobileCartCreateDocument,
  MobileCartDocument,
  MobileCartRemoveLineDocument,
  MobileCheckoutDocument,
  type MobileCartFieldsFragment,
  type MobileOrderFieldsFragment,
} from '../__generated__/gateway/graphql.ts';
import type { MobileCart, MobileCartResult, MobileCheckoutResult, MobileOrder } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { ImageWidth, shortLabel, tileImage } from './format.ts';

async function toCart(ctx: Context, c: MobileCartFieldsFragment): Promise<MobileCart> {
  const region = await ctx.regions.get(c.region);
  return {
    id: c.id,
    region: c.region,
    currencyCode: region.currencyCode,
    reservedUntil: c.reservedUntil ?? null,
    lines: c.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      productId: l.variant.product.id,
      title: l.variant.product.title,
      label: shortLabel(l.variant),
      imageUrl: tileImage(l.variant.product.images, ImageWidth.cartLine),
      totalMinor: toMinorUnits(l.cost),
    })),
    subtotalMinor: toMinorUnits(c.cost.subtotal),
    taxMinor: toMinorUnits(c.cost.tax),
    totalMinor: toMinorUnits(c.cost.total),
    taxIncluded: region.taxIncluded,
  };
}

export function toOrder(o: MobileOrderFieldsFragment): MobileOrder {
  return {
    id: o.id,
    status: o.status,
    region: o.region,
    placedAt: o.createdAt,
    currencyCode: o.total.currencyCode,
    itemCount: o.lines.reduce((n, l) => n + l.quantity, 0),
    totalMinor: toMinorUnits(o.total),
  };
}

type Payload = { cart?: MobileCartFieldsFragment | null; userErrors: { code: string; field?: string[] | null; message: string }[] };

async function cartResult(ctx: Context, payload: Payload): Promise<MobileCartResult> {
  return { cart: payload.cart ? await toCart(ctx, payload.cart) : null, userErrors: toUserErrors(payload.userErrors) };
}

export async function cart(ctx: Context, cartId: string): Promise<MobileCart | null> {
  const { data } = readPage(await ctx.call(MobileCartDocument, { cartId }));
  return data.cart ? toCart(ctx, data.cart) : null;
}

export async function cartCreate(ctx: Context, region: string): Promise<MobileCartResult> {
  return cartResult(ctx, readPage(await ctx.call(MobileCartCreateDocument, { region: region as never })).data.cartCreate);
}

export async function cartAddLine(ctx: Context, cartId: string, sku: string, quantity: number): Promise<MobileCartResult> {
  checkQuantity(quantity);
  return cartResult(ctx, readPage(await ctx.call(MobileCartAddLineDocument, { cartId, sku, quantity })).data.cartAddLine);
}

export async function cartRemoveLine(ctx: Context, cartId: string, sku: string): Promise<MobileCartResult> {
  return cartResult(ctx, readPage(await ctx.call(MobileCartRemoveLineDocument, { cartId, sku })).data.cartRemoveLine);
}

export async function checkout(ctx: Context, cartId: string, idempotencyKey: string, paymentToken: string): Promise<MobileCheckoutResult> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const response = await ctx.call(MobileCheckoutDocument, { cartId, idempotencyKey, paymentToken });
  if (!response.data?.checkout) throw fromGatewayError(response.errors[0] ?? { message: 'no data' });
  const payload = readPage(response).data.checkout;
  return { order: payload.order ? toOrder(payload.order) : null, userErrors: toUserErrors(payload.userErrors) };
}
