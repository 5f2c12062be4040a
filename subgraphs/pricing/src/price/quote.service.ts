import { badUserInput, type RegionCode } from '@shop/platform';
import type { Loaders } from './price.loaders.ts';

/** Most lines a quote takes, and most units per line. */
export const QUOTE_LIMITS = { lines: 100, quantity: 999 } as const;

export interface QuoteView {
  region: RegionCode;
  currencyCode: string;
  taxIncluded: boolean;
  lines: { sku: string; productId: string; quantity: number; unitPriceMinor: number; lineTotalMinor: number }[];
  unpriced: string[];
  subtotalMinor: number;
  taxMinor: number;
  totalMinor: number;
}

/**
 * Tax on an amount in minor units, rounded half up to the minor unit.
 * Tax-added regions (US): subtotal × rate, added on top.
 * Tax-included regions: the tax inside the price, subtotal × rate / (1 + rate).
 * Integer arithmetic on basis points, so no float rounding drift.
 */
export function taxOf(subtotalMinor: number, rateBasisPoints: number, included: boolean): number {
  const num = BigInt(subtotalMinor) * BigInt(rateBasisPoints);
  const den = included ? BigInt(10_000 + rateBasisPoints) : 10_000n;
  return Number((num * 2n + den) / (den * 2n));
}

export async function quote(loaders: Loaders, region: RegionCode, lines: { sku: string; quantity: number }[]): Promise<QuoteView> {
  if (lines.length > QUOTE_LIMITS.lines) throw badUserInput('lines', `at most ${QUOTE_LIMITS.lines} lines`);
  for (const l of lines) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > QUOTE_LIMITS.quantity) throw badUserInput('lines', `quantity must be 1 to ${QUOTE_LIMITS.quantity}`);
  }
  const regionRow = (await loaders.regions()).find((r) => r.code === region);
  if (!regionRow) throw badUserInput('region', `unknown region ${region}`);
  const prices = await Promise.all(lines.map((l) => loaders.price.load({ sku: l.sku, region })));
  const priced: QuoteView['lines'] = [];
  const unpriced: string[] = [];
  lines.forEach((l, i) => {
    const p = prices[i];
    if (!p) unpriced.push(l.sku);
    else priced.push({ sku: l.sku, productId: p.product_id, quantity: l.quantity, unitPriceMinor: Number(p.amount_minor), lineTotalMinor: Number(p.amount_minor) * l.quantity });
  });
  const subtotalMinor = priced.reduce((sum, l) => sum + l.lineTotalMinor, 0);
  const taxMinor = taxOf(subtotalMinor, regionRow.tax_rate_bp, regionRow.tax_included);
  return {
    region,
    currencyCode: regionRow.currency_code,
    taxIncluded: regionRow.tax_included,
    lines: priced,
    unpriced,
    subtotalMinor,
    taxMinor,
    totalMinor: regionRow.tax_included ? subtotalMinor : subtotalMinor + taxMinor,
  };
}
