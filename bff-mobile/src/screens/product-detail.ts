import { cachedPage, PageTag, pageKey, productBadge, readPage, recommendationsAt, sizedImage, toMinorUnits } from '@shop/bff';
import { MobileProductDetailDocument } from '../__generated__/gateway/graphql.ts';
import type { MobileProductDetail } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { ImageWidth, MAX_IMAGES, shortLabel, tileTags, toTile } from './format.ts';

/** The product screen: one gateway request; without recommendations if personalization fails. */
export async function productDetail(ctx: Context, slug: string, regionCode: string): Promise<MobileProductDetail | null> {
  const region = await ctx.regions.get(regionCode);
  return cachedPage(ctx, pageKey('productDetail', { slug, region: regionCode }), async () => {
    const { data, partial, errors } = readPage(await ctx.call(MobileProductDetailDocument, { slug, region: regionCode as never }), recommendationsAt('product', 'recommendations'));
    if (partial) ctx.logger.warn({ errors }, 'product detail without recommendations');
    const p = data.product;
    if (!p) return { value: null, tags: [`slug:${slug}`] };
    const recommendations = (p.recommendations ?? []).map((r) => r.product);
    const detail: MobileProductDetail = {
      id: p.id,
      slug: p.slug,
      title: p.title,
      brand: p.brand,
      description: p.description,
      currencyCode: region.currencyCode,
      priceMinor: p.priceRange ? toMinorUnits(p.priceRange.min) : null,
      maxPriceMinor: p.priceRange ? toMinorUnits(p.priceRange.max) : null,
      badge: productBadge(p.variants.map((v) => v.stock?.badge)),
      images: p.images.slice(0, MAX_IMAGES).map((i) => ({ url: sizedImage(i.url, ImageWidth.detail) })),
      variants: p.variants.map((v) => ({
        sku: v.sku,
        label: shortLabel(v),
        priceMinor: v.price ? toMinorUnits(v.price.amount) : null,
        compareAtMinor: v.price?.compareAt ? toMinorUnits(v.price.compareAt) : null,
        badge: v.stock?.badge ?? 'OUT_OF_STOCK',
        available: v.stock?.available ?? 0,
      })),
      recommendations: (p.recommendations ?? []).map((r) => toTile(r.product, r.reason)),
    };
    const tags = [PageTag.product(p.id), ...p.variants.map((v) => PageTag.sku(v.sku, regionCode)), ...recommendations.flatMap((r) => tileTags(r, regionCode))];
    return { value: detail, tags, cacheable: !partial };
  });
}
