import { PageTag, productBadge, type RegionInfo } from '@shop/bff';
import type { WebProductCardFragment } from '../__generated__/gateway/graphql.ts';
import type { WebProductCard } from '../schema/__generated__/resolvers-types.ts';
import { cardImage, webPrice } from './format.ts';

export function toCard(p: WebProductCardFragment, region: RegionInfo, reason: string | null = null): WebProductCard {
  return {
    id: p.id,
    slug: p.slug,
    title: p.title,
    brand: p.brand,
    imageUrl: cardImage(p.images),
    price: p.priceRange ? webPrice(p.priceRange.min, region) : null,
    badge: productBadge(p.variants.map((v) => v.stock?.badge)),
    skus: p.variants.map((v) => v.sku),
    reason,
  };
}

/** What a card shows, for the page cache: the product, and each variant's price and stock in the region. */
export function cardTags(p: WebProductCardFragment, region: string): string[] {
  return [PageTag.product(p.id), ...p.variants.map((v) => PageTag.sku(v.sku, region))];
}
