import type { Kysely } from 'kysely';
import { decimalToMinor, ErrorCode, minorToDecimal, money, type Money, type RegionCode } from '@shop/platform';
import type { PricingDatabase } from '../db/database.ts';
import { appendPriceChanged } from './price.events.ts';
import { lockPrice, updatePrice, type PriceRangeRow, type PriceRow } from './price.repository.ts';

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

export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

export interface SetPriceInput {
  sku: string;
  region: RegionCode;
  /** Decimal string in the region's currency, e.g. "19.90". */
  amount: string;
  /** The previous price shown struck through; null or absent: not on sale. */
  compareAt?: string | null;
}

export type SetPriceResult = { price: VariantPriceView | null; userErrors: UserError[] };

const fail = (code: string, field: string, message: string): SetPriceResult => ({ price: null, userErrors: [{ code, field: ['input', field], message }] });

/** Minor units as the `bigint` column and the int8 parser (a JS number) can both hold them exactly. */
const MAX_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/** A money input in minor units, or the message that says why it is refused (naming the field). */
function parseAmount(field: 'amount' | 'compareAt', value: string, currencyCode: string): number | string {
  let minor: bigint;
  try {
    minor = decimalToMinor(value, currencyCode);
  } catch (err) {
    return `"${field}" ${(err as Error).message}`;
  }
  if (minor <= 0n) return `"${field}" must be above zero, got "${value}"`;
  if (minor > MAX_MINOR) return `"${field}" must be at most ${minorToDecimal(MAX_MINOR, currencyCode)}, got "${value}"`;
  return Number(minor);
}

/**
 * Sets a sku's price in a region (and its compare-at price: absent or null
 * means not on sale). Locks the price row first, so concurrent changes of one
 * sku and region serialise and each gets the next version. A change bumps the
 * row's version and appends `pricing.price.changed` in the same transaction;
 * setting the price it already has changes nothing and appends nothing.
 * Refusals (NOT_FOUND for a sku not priced in the region, BAD_USER_INPUT for
 * an amount) come back as userErrors and change nothing.
 */
export async function setPrice(db: Kysely<PricingDatabase>, input: SetPriceInput): Promise<SetPriceResult> {
  return db.transaction().execute(async (trx) => {
    const current = await lockPrice(trx, input.sku, input.region);
    if (!current) return fail(ErrorCode.NOT_FOUND, 'sku', `No price for sku "${input.sku}" in region ${input.region}`);

    const amount = parseAmount('amount', input.amount, current.currency_code);
    if (typeof amount === 'string') return fail(ErrorCode.BAD_USER_INPUT, 'amount', amount);
    let compareAt: number | null = null;
    if (input.compareAt != null) {
      const parsed = parseAmount('compareAt', input.compareAt, current.currency_code);
      if (typeof parsed === 'string') return fail(ErrorCode.BAD_USER_INPUT, 'compareAt', parsed);
      if (parsed <= amount) {
        return fail(ErrorCode.BAD_USER_INPUT, 'compareAt', `"compareAt" (${input.compareAt}) must be above "amount" (${input.amount}); leave it out when the sku is not on sale`);
      }
      compareAt = parsed;
    }

    if (amount === current.amount_minor && compareAt === current.compare_at_minor) return { price: variantPrice(current), userErrors: [] };
    const updated = await updatePrice(trx, { sku: input.sku, region: input.region }, { amountMinor: amount, compareAtMinor: compareAt });
    await appendPriceChanged(trx, updated);
    return { price: variantPrice({ ...updated, tax_included: current.tax_included }), userErrors: [] };
  });
}
