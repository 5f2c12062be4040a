import type { InternalClient, RegionCode } from '@shop/platform';

export interface Quote {
  currencyCode: string;
  taxIncluded: boolean;
  lines: { sku: string; productId: string; quantity: number; unitPriceMinor: number; lineTotalMinor: number }[];
  unpriced: string[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/** Pricing's internal quote: lines priced in the region's own price list, with its tax rule applied. */
export function pricingClient(client: InternalClient) {
  return {
    async quote(region: RegionCode, lines: { sku: string; quantity: number }[], ctx: { requestId?: string }): Promise<Quote> {
      const data = await client.call<{ quote: Quote }>(
        `query Quote($region: RegionCode!, $lines: [QuoteLineInput!]!) {
          quote(region: $region, lines: $lines) {
            currencyCode taxIncluded unpriced subtotalMinor taxMinor totalMinor
            lines { sku productId quantity unitPriceMinor lineTotalMinor }
          }
        }`,
        { region, lines },
        ctx,
      );
      return data.quote;
    },
  };
}
export type PricingClient = ReturnType<typeof pricingClient>;
