import { badUserInput } from './errors.ts';

/** Page size limits for every connection field. */
export const PAGE_SIZE = { min: 1, max: 100 } as const;

/** Checks a `first` argument: an integer from 1 to `max`. */
export function validateFirst(first: unknown, max: number = PAGE_SIZE.max): number {
  if (typeof first !== 'number' || !Number.isInteger(first) || first < PAGE_SIZE.min || first > max) {
    throw badUserInput('first', `must be an integer from ${PAGE_SIZE.min} to ${max}, got ${String(first)}`);
  }
  return first;
}

/**
 * Cursors are opaque to clients: base64url of `<kind>:<value>`. The kind stops
 * a cursor from one connection being replayed against another.
 */
export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

/** Returns the cursor's value, or throws BAD_USER_INPUT naming `after`. */
export function decodeCursor(kind: string, cursor: string, argumentName = 'after'): string {
  const decoded = cursor.length <= 200 && /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = `${kind}:`;
  if (!decoded.startsWith(prefix) || decoded.length === prefix.length) {
    throw badUserInput(argumentName, 'is not a valid cursor for this list');
  }
  return decoded.slice(prefix.length);
}
