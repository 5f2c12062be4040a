import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, PAGE_SIZE, validateFirst } from './pagination.ts';

/** Runs `fn` and returns what it threw; fails the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

function expectBadInput(fn: () => unknown, argumentName: string): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(GraphQLError);
  expect((err as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', argumentName });
  expect((err as GraphQLError).message).toContain(`"${argumentName}"`);
}

describe('validateFirst', () => {
  it('accepts every integer from 1 to 100', () => {
    expect(PAGE_SIZE).toEqual({ min: 1, max: 100 });
    for (let n = 1; n <= 100; n++) expect(validateFirst(n)).toBe(n);
  });

  it('rejects 0, 101, fractions and negatives with BAD_USER_INPUT naming "first"', () => {
    for (const n of [0, 101, 2.5, -1, 1_000_000, Number.NaN, Number.POSITIVE_INFINITY]) expectBadInput(() => validateFirst(n), 'first');
  });

  it('rejects values that are not numbers', () => {
    for (const v of ['10', null, undefined, true, {}, [5], 10n]) expectBadInput(() => validateFirst(v), 'first');
  });

  it('honours a smaller maximum', () => {
    expect(validateFirst(20, 20)).toBe(20);
    expectBadInput(() => validateFirst(21, 20), 'first');
  });
});

describe('cursors', () => {
  it('round-trip string and numeric values', () => {
    for (const value of ['prod_000042', 'a:b:c', 'héllo wörld ✓', '2026-01-01T00:00:00.000Z|prod_1']) {
      expect(decodeCursor('product', encodeCursor('product', value))).toBe(value);
    }
    expect(decodeCursor('offset', encodeCursor('offset', 40))).toBe('40');
  });

  it('are opaque: base64url without padding, not the plain value', () => {
    const cursor = encodeCursor('product', 'prod_000042');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('prod_000042');
  });

  it('reject garbage with BAD_USER_INPUT naming "after"', () => {
    for (const garbage of ['!!!', 'not a cursor', 'abc=', '%00', 'cHJvZHVjdA']) expectBadInput(() => decodeCursor('product', garbage), 'after');
  });

  it('reject a cursor of another kind', () => {
    const orderCursor = encodeCursor('order', 'ord_1');
    expectBadInput(() => decodeCursor('product', orderCursor), 'after');
    // A kind that is a prefix of the expected one is another kind too.
    expectBadInput(() => decodeCursor('product', encodeCursor('prod', 'uct:1')), 'after');
  });

  it('reject an empty cursor and a cursor with an empty value', () => {
    expectBadInput(() => decodeCursor('product', ''), 'after');
    expectBadInput(() => decodeCursor('product', encodeCursor('product', '')), 'after');
  });

  it('reject input over 200 characters, and accept it at 200', () => {
    // 'product:' is 8 bytes; 142 more make 150 bytes, which base64url writes as exactly 200 characters.
    const longest = encodeCursor('product', 'x'.repeat(142));
    expect(longest).toHaveLength(200);
    expect(decodeCursor('product', longest)).toBe('x'.repeat(142));
    const tooLong = encodeCursor('product', 'x'.repeat(145));
    expect(tooLong.length).toBeGreaterThan(200);
    expectBadInput(() => decodeCursor('product', tooLong), 'after');
    expectBadInput(() => decodeCursor('product', 'A'.repeat(100_000)), 'after');
  });

  it('name the argument they were given in', () => {
    expectBadInput(() => decodeCursor('product', 'garbage!', 'before'), 'before');
  });
});
