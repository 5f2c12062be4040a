import { money, type Money } from '@shop/platform';
import type { PriceRangeRow, PriceRow } from './price.repository.ts';

export interface VariantPriceView {
  amount: Money;
  compareAt: Money | null;
  taxIncluded: boolean;
}

export function variantPrice(row: PriceRow): VariantPriceView {
  return {
    amount: money(row.amount_minor, row.currency_code),
    compareAt: row.compare_at_minor !== null && row.compare_at_minor > row.amount_minor ? money(row.compare_at_minor, row.currency_code) : null,
    taxIncluded: row.tax_included,
  };
}

export function priceRange(row: PriceRangeRow): { min: Money; max: Money } {
  return { min: money(row.min_minor, row.currency_code), max: money(row.max_minor, row.currency_code) };
}

/** Basis points to a decimal fraction string: 2000 -> "0.2000". */
export function taxRate(basisPoints: number): string {
  return (basisPoints / 10_000).toFixed(4);
}
