import { PageTag, productBadge, sizedImage, toMinorUnits } from '@shop/bff';
import type { MobileProductTileFragment } from '../__generated__/gateway/graphql.ts';
import type { MobileProductTile } from '../schema/__generated__/resolvers-types.ts';

/** Image widths for a phone screen (device pixels); the app shows at most MAX_IMAGES per product. */
export const ImageWidth = { detail: 800, tile: 300, cartLine: 120 } as const;
export const MAX_IMAGES = 3;

/** `M / Blue`: option values only, as a compact button reads. */
export function shortLabel(variant: { options: { value: string }[]; title?: string }): string {
  return variant.options.length ? variant.options.map((o) => o.value).join(' / ') : (variant.title ?? '');
}

export function tileImage(images: { url: string }[], width: number = ImageWidth.tile): string | null {
  return images[0] ? sizedImage(images[0].url, width) : null;
}

export function toTile(p: MobileProductTileFragment, reason: string | null = null): MobileProductTile {
  return {
    id: p.id,
    slug: p.slug,
    title: p.title,
    imageUrl: tileImage(p.images),
    currencyCode: p.priceRange?.min.currencyCode ?? null,
    priceMinor: p.priceRange ? toMinorUnits(p.priceRange.min) : null,
    badge: productBadge(p.variants.map((v) => v.stock?.badge)),
    skus: p.variants.map((v) => v.sku),
    reason,
  };
}

export function tileTags(p: MobileProductTileFragment, region: string): string[] {
  return [PageTag.product(p.id), ...p.variants.map((v) => PageTag.sku(v.sku, region))];
}
