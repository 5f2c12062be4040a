import { BffError, BffErrorCode, checkQuantity, fromGatewayError, readPage, sizedImage, toUserErrors, type RegionInfo } from '@shop/bff';
import {
  WebCartAddLineDocument,
  WebCartCreateDocument,
  WebCartDocument,
  WebCartRemoveLineDocument,
  WebCheckoutDocument,
  type WebCartFieldsFragment,
  type WebOrderFieldsFragment,
} from '../__generated__/gateway/graphql.ts';
import type { WebCart, WebCartResult, WebCheckoutResult, WebOrder } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { ImageWidth, variantLabel, webPrice } from './format.ts';

async function toCart(ctx: Context, c: WebCartFieldsFragment): Promise<WebCart> {
  const region = await ctx.regions.get(c.region);
  return {
    id: c.id,
    region: c.region,
    reservedUntil: c.reservedUntil ?? null,
    lines: c.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      productId: l.variant.product.id,
      productSlug: l.variant.product.slug,
      title: l.variant.product.title,
      label: variantLabel(l.variant),
      imageUrl: l.variant.product.images[0] ? sizedImage(l.variant.product.images[0].url, ImageWidth.cartLine) : null,
      lineTotal: webPrice(l.cost, region),
    })),
    itemCount: c.lines.reduce((n, l) => n + l.quantity, 0),
    subtotal: webPrice(c.cost.subtotal, region),
    tax: webPrice(c.cost.tax, region),
    total: webPrice(c.cost.total, region),
    taxLabel: region.taxIncluded ? 'incl. tax' : 'plus sales tax',
  };
}

export async function toOrder(ctx: Context, o: WebOrderFieldsFragment): Promise<WebOrder> {
  const region: RegionInfo = await ctx.regions.get(o.region);
  return {
    id: o.id,
    status: o.status,
    region: o.region,
    placedAt: o.createdAt,
    lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: webPrice(l.unitPrice, region) })),
    subtotal: webPrice(o.subtotal, region),
    tax: webPrice(o.tax, region),
    total: webPrice(o.total, region),
  };
}

export async function cartPage(ctx: Context, cartId: string): Promise<WebCart | null> {
  const { data } = readPage(await ctx.call(WebCartDocument, { cartId }));
  return data.cart ? toCart(ctx, data.cart) : null;
}

type Payload = { cart?: WebCartFieldsFragment | null; userErrors: { code: string; field?: string[] | null; message: string }[] };

async function cartResult(ctx: Context, payload: Payload): Promise<WebCartResult> {
  return { cart: payload.cart ? await toCart(ctx, payload.cart) : null, userErrors: toUserErrors(payload.userErrors) };
}

export async function cartCreate(ctx: Context, region: string): Promise<WebCartResult> {
  return cartResult(ctx, readPage(await ctx.call(WebCartCreateDocument, { region: region as never })).data.cartCreate);
}

export async function cartAddLine(ctx: Context, cartId: string, sku: string, quantity: number): Promise<WebCartResult> {
  checkQuantity(quantity);
  return cartResult(ctx, readPage(await ctx.call(WebCartAddLineDocument, { cartId, sku, quantity })).data.cartAddLine);
}

export async function cartRemoveLine(ctx: Context, cartId: string, sku: string): Promise<WebCartResult> {
  return cartResult(ctx, readPage(await ctx.call(WebCartRemoveLineDocument, { cartId, sku })).data.cartRemoveLine);
}

export async function checkout(ctx: Context, cartId: string, idempotencyKey: string, paymentToken: string): Promise<WebCheckoutResult> {
  if (ctx.anonymous) throw new BffError(BffErrorCode.UNAUTHENTICATED);
  const response = await ctx.call(WebCheckoutDocument, { cartId, idempotencyKey, paymentToken });
  if (!response.data?.checkout) throw fromGatewayError(response.errors[0] ?? { message: 'no data' });
  const payload = readPage(response).data.checkout;
  return { order: payload.order ? await toOrder(ctx, payload.order) : null, userErrors: toUserErrors(payload.userErrors) };
}
