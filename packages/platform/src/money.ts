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

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * "19.90" -> 1990n in a currency with two minor digits; exact, no float
 * arithmetic. Fewer decimals are fine ("19.9", "19"); more than the currency
 * has are refused, even zeros, so no amount is ever rounded. Throws a
 * RangeError whose message says what is wrong with the value (the caller
 * names the field).
 */
export function decimalToMinor(decimal: string, currencyCode: string): bigint {
  const digits = CURRENCY_MINOR_DIGITS[currencyCode] ?? 2;
  const match = DECIMAL_TEXT.exec(decimal);
  if (!match) throw new RangeError(`must be a decimal number like "19.90", got ${JSON.stringify(decimal)}`);
  const [, sign, whole, frac = ''] = match;
  if (frac.length > digits) throw new RangeError(`has ${frac.length} decimal places; ${currencyCode} amounts have at most ${digits}`);
  const minor = BigInt(whole! + frac.padEnd(digits, '0'));
  return sign ? -minor : minor;
}
