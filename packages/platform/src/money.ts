/**
 * Money is integer minor units inside the system and a decimal string with its
 * currency outside. Every currency here has two minor digits.
 */
export const CURRENCY_MINOR_DIGITS: Record<string, number> = { USD: 2, EUR: 2, GBP: 2, INR: 2, BRL: 2 };

/** 1990 -> "19.90"; exact for any safe integer, no float arithmetic. */
export function minorToDecimal(minor: number | bigint, currencyCode: string): string {
  const digits = CURRENCY_MINOR_DIGITS[currencyCode] ?? 2;
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const frac = abs.slice(abs.length - digits);
  return `${negative ? '-' : ''}${whole}${digits ? `.${frac}` : ''}`;
}

export interface Money {
  amount: string;
  currencyCode: string;
}

export function money(minor: number | bigint, currencyCode: string): Money {
  return { amount: minorToDecimal(minor, currencyCode), currencyCode };
}
