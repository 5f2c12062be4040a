import { cachedPage, PageTag, pageKey, readPage, recommendationsAt, sizedImage } from '@shop/bff';
import { WebProductPageDocument } from '../__generated__/gateway/graphql.ts';
import type { WebProductPage } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { cardTags, toCard } from './cards.ts';
import { ImageWidth, variantLabel, webPrice } from './format.ts';

/**
 * The product page: one gateway request. The recommendations strip is
 * optional: if personalization fails, the page comes without it (and is not
 * cached, so the next shopper gets the strip back).
 */
export async function productPage(ctx: Context, slug: string, regionCode: string): Promise<WebProductPage | null> {
  const region = await ctx.regions.get(regionCode);
  return cachedPage(ctx, pageKey('productPage', { slug, region: regionCode }), async () => {
    const response = await ctx.call(WebProductPageDocument, { slug, region: regionCode as never });
    const { data, partial, errors } = readPage(response, recommendationsAt('product', 'recommendations'));
    if (partial) ctx.logger.warn({ errors }, 'product page without recommendations');
    const p = data.product;
    if (!p) return { value: null, tags: [`slug:${slug}`] };
    const recommendations = (p.recommendations ?? []).map((r) => r.product);
    const page: WebProductPage = {
      product: {
        id: p.id,
        slug: p.slug,
        title: p.title,
        description: p.description,
        brand: p.brand,
        breadcrumbs: p.category.ancestors,
        images: p.images.map((i) => ({ url: sizedImage(i.url, ImageWidth.productPage), altText: i.altText ?? null })),
      },
      price: p.priceRange ? webPrice(p.priceRange.min, region, { max: p.priceRange.max, compareAt: p.variants.find((v) => v.price?.amount.amount === p.priceRange!.min.amount)?.price?.compareAt }) : null,
      availableForSale: p.variants.some((v) => (v.stock?.available ?? 0) > 0),
      variants: p.variants.map((v) => ({
        sku: v.sku,
        label: variantLabel(v),
        price: v.price ? webPrice(v.price.amount, region, { compareAt: v.price.compareAt }) : null,
        stock: v.stock ? { badge: v.stock.badge, available: v.stock.available } : null,
      })),
      recommendations: (p.recommendations ?? []).map((r) => toCard(r.product, region, r.reason)),
    };
    const tags = [PageTag.product(p.id), ...p.variants.map((v) => PageTag.sku(v.sku, regionCode)), ...recommendations.flatMap((r) => cardTags(r, regionCode))];
    return { value: page, tags, cacheable: !partial };
  });
}
