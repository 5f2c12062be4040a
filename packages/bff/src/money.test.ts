import { describe, expect, it } from 'vitest';
import { formatMoney, toMinorUnits } from './money.ts';
import { fromGatewayError, BffErrorCode } from './errors.ts';
import { productBadge, readPage, sizedImage } from './pages.ts';

describe('money for clients', () => {
  it('formats in the region locale from the decimal string', () => {
    expect(formatMoney({ amount: '19.90', currencyCode: 'EUR' }, 'de-DE')).toBe('19,90\u00a0€');
    expect(formatMoney({ amount: '1499.00', currencyCode: 'INR' }, 'en-IN')).toBe('₹1,499.00');
    expect(formatMoney({ amount: '149900.5', currencyCode: 'INR' }, 'en-IN')).toBe('₹1,49,900.50');
    expect(formatMoney({ amount: '12345678901234.99', currencyCode: 'USD' }, 'en-US')).toBe('$12,345,678,901,234.99');
  });
  it('turns decimals into integer minor units exactly', () => {
    expect(toMinorUnits({ amount: '19.90', currencyCode: 'EUR' })).toBe(1990);
    expect(toMinorUnits({ amount: '0.07', currencyCode: 'USD' })).toBe(7);
    expect(toMinorUnits({ amount: '1119', currencyCode: 'INR' })).toBe(111900);
  });
});

describe('gateway errors and pages', () => {
  it('keeps actionable codes with the BFF’s own message and hides everything else', () => {
    const bad = fromGatewayError({ message: 'Invalid argument "query": secret upstream detail', extensions: { code: 'BAD_USER_INPUT', argumentName: 'query' } });
    expect([bad.extensions.code, bad.message]).toEqual([BffErrorCode.BAD_USER_INPUT, 'Invalid argument "query"']);
    expect(fromGatewayError({ message: 'subgraph pricing timed out at 10.0.0.3', extensions: { code: 'UPSTREAM_UNAVAILABLE' } }).message).not.toContain('10.0.0.3');
    const hidden = fromGatewayError({ message: 'Cannot query field "x"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect([hidden.extensions.code, hidden.message]).toEqual([BffErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error']);
  });
  it('renders a page without an optional part that failed, and fails on anything else', () => {
    const strip = { message: 'x', path: ['product', 'recommendations'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } };
    expect(readPage({ data: { product: { id: 1 } }, errors: [strip] }, { paths: [['product', 'recommendations']] })).toMatchObject({ partial: true });
    expect(() => readPage({ data: { product: { id: 1 } }, errors: [{ ...strip, path: ['product', 'variants', 0, 'price'] }] }, { paths: [['product', 'recommendations']] })).toThrow();
  });
  it('sizes images and derives the product badge from its variants', () => {
    expect(sizedImage('https://img.example/p/1.jpg', 400)).toBe('https://img.example/p/1.jpg?w=400');
    expect(productBadge(['OUT_OF_STOCK', 'LOW_STOCK', null])).toBe('LOW_STOCK');
    expect(productBadge([])).toBe('OUT_OF_STOCK');
  });
});

describe('an outage of a service that serves only an optional part', () => {
  it('is optional too: the gateway names the service but gives no path', async () => {
    const { readPage, recommendationsAt } = await import('./pages.ts');
    const outage = { message: 'Subgraph "personalization" is unavailable', extensions: { code: 'UPSTREAM_UNAVAILABLE', serviceName: 'personalization' } };
    expect(readPage({ data: { product: { id: 1, recommendations: null } }, errors: [outage] }, recommendationsAt('product', 'recommendations'))).toMatchObject({ partial: true });
    expect(() => readPage({ data: { product: null }, errors: [{ ...outage, extensions: { ...outage.extensions, serviceName: 'catalogue' } }] }, recommendationsAt('product', 'recommendations'))).toThrow();
  });
});
