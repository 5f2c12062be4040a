import { formatMoney, sizedImage, type GatewayMoney, type RegionInfo } from '@shop/bff';
import type { WebPrice } from '../schema/__generated__/resolvers-types.ts';

/** Image widths, in CSS pixels at 1x, for where bff-web's pages show them. */
export const ImageWidth = { productPage: 1200, card: 400, cartLine: 160 } as const;

export function webPrice(amount: GatewayMoney, region: RegionInfo, extra: { compareAt?: GatewayMoney | null; max?: GatewayMoney | null } = {}): WebPrice {
  return {
    formatted: formatMoney(amount, region.locale),
    compareAtFormatted: extra.compareAt ? formatMoney(extra.compareAt, region.locale) : null,
    maxFormatted: extra.max && extra.max.amount !== amount.amount ? formatMoney(extra.max, region.locale) : null,
    amount: amount.amount,
    currencyCode: amount.currencyCode,
  };
}

export function cardImage(images: { url: string }[]): string | null {
  return images[0] ? sizedImage(images[0].url, ImageWidth.card) : null;
}

/** `Size M · Colour Blue`: how a variant button reads on the web page. */
export function variantLabel(variant: { title: string; options: { name: string; value: string }[] }): string {
  return variant.options.length ? variant.options.map((o) => `${o.name} ${o.value}`).join(' · ') : variant.title;
}
