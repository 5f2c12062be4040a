import { CURRENCY_MINOR_DIGITS, decimalToMinor } from '@shop/platform';

/** A gateway `Money`: `amount` is a decimal string such as "19.90". */
export interface GatewayMoney {
  amount: string;
  currencyCode: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Money as the region's shoppers read it, e.g. `19,90 €` (de-DE), `₹1,499.00`
 * (en-IN). The amount goes to Intl as a decimal string, never through a float
 * with more digits than the currency has.
 */
export function formatMoney(money: GatewayMoney, locale: string): string {
  const key = `${locale}|${money.currencyCode}`;
  let format = formatters.get(key);
  if (!format) {
    const digits = CURRENCY_MINOR_DIGITS[money.currencyCode] ?? 2;
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: money.currencyCode, minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, format);
  }
  // Intl.NumberFormat.format accepts decimal strings exactly (no binary rounding) since ES2023.
  return format.format(money.amount as unknown as number);
}

/** "19.90" EUR -> 1990: integer minor units for clients that format money themselves. */
export function toMinorUnits(money: GatewayMoney): number {
  return Number(decimalToMinor(money.amount, money.currencyCode));
}
