import { describe, expect, it } from 'vitest';
import { available, CART, CART_ADD_LINE, CART_REMOVE_LINE, createCart, gql, setAvailable, skuWithStock, stackUrls } from '../harness/index.ts';

const money = (m: { amount: string }) => Math.round(Number(m.amount) * 100);

describe('gateway Cart (contract)', () => {
  it('reserves stock the moment a line is added and gives it back when it is removed', async () => {
    const sku = await skuWithStock('EU', 10, 3);
    await setAvailable(sku, 'EU', 20);
    const cartId = await createCart('EU');
    const added = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 3 });
    expect(added.errors).toBeUndefined();
    expect(added.data.cartAddLine.userErrors).toEqual([]);
    const cart = added.data.cartAddLine.cart;
    expect(cart.lines).toEqual([expect.objectContaining({ sku, quantity: 3 })]);
    expect(cart.lines[0].variant.sku).toBe(sku);
    expect(cart.lines[0].variant.product.title).toBeTruthy();
    expect(Date.parse(cart.reservedUntil)).toBeGreaterThan(Date.now());
    expect(await available(sku, 'EU')).toBe(17);

    const more = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 2 });
    expect(more.data.cartAddLine.cart.lines[0].quantity).toBe(5);
    expect(await available(sku, 'EU')).toBe(15);

    const removed = await gql(stackUrls().gateway, CART_REMOVE_LINE, { cartId, sku });
    expect(removed.data.cartRemoveLine.userErrors).toEqual([]);
    expect(removed.data.cartRemoveLine.cart.lines).toEqual([]);
    expect(await available(sku, 'EU')).toBe(20);
  });

  it('refuses more than is available with INSUFFICIENT_STOCK and changes nothing', async () => {
    const sku = await skuWithStock('GB', 5, 7);
    await setAvailable(sku, 'GB', 4);
    const cartId = await createCart('GB');
    await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 1 });
    const res = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 4 });
    expect(res.errors).toBeUndefined();
    expect(res.data.cartAddLine.cart).toBeNull();
    expect(res.data.cartAddLine.userErrors).toEqual([expect.objectContaining({ code: 'INSUFFICIENT_STOCK' })]);
    expect(await available(sku, 'GB')).toBe(3);
    const cart = await gql(stackUrls().gateway, CART, { cartId });
    expect(cart.data.cart.lines).toEqual([expect.objectContaining({ sku, quantity: 1 })]);
  });

  it('prices lines in the cart region: tax added in the US, included elsewhere', async () => {
    for (const region of ['US', 'EU', 'IN']) {
      const sku = await skuWithStock(region, 5, 11);
      const cartId = await createCart(region);
      const res = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 2 });
      const { cost, lines } = res.data.cartAddLine.cart;
      const currency = { US: 'USD', EU: 'EUR', IN: 'INR' }[region];
      for (const m of [cost.subtotal, cost.tax, cost.total, lines[0].cost]) expect(m.currencyCode).toBe(currency);
      expect(money(cost.subtotal)).toBe(money(lines[0].cost));
      expect(money(cost.tax)).toBeGreaterThan(0);
      if (region === 'US') expect(money(cost.total)).toBe(money(cost.subtotal) + money(cost.tax));
      else {
        expect(money(cost.total)).toBe(money(cost.subtotal));
        expect(money(cost.tax)).toBeLessThan(money(cost.subtotal));
      }
    }
  });

  it('answers bad input as userErrors with stable codes', async () => {
    const cartId = await createCart('US');
    const sku = await skuWithStock('US', 5, 13);
    const zero = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 0 });
    expect(zero.data.cartAddLine.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['quantity'] });
    const huge = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 1000 });
    expect(huge.data.cartAddLine.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['quantity'] });
    const unknownSku = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku: 'SKU-NOPE-1', quantity: 1 });
    expect(unknownSku.data.cartAddLine.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['sku'] });
    const unknownCart = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId: 'cart_nope', sku, quantity: 1 });
    expect(unknownCart.data.cartAddLine.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['cartId'] });
    expect((await gql(stackUrls().gateway, CART, { cartId: 'cart_nope' })).data.cart).toBeNull();
  });
});

describe('gateway cartUpdateLine', () => {
  it('sets a line to a quantity, holding or giving back the difference, and 0 removes it', async () => {
    const sku = await skuWithStock('IN', 10, 15);
    await setAvailable(sku, 'IN', 10);
    const cartId = await createCart('IN');
    const update = 'mutation U($cartId: ID!, $sku: ID!, $quantity: Int!) { cartUpdateLine(cartId: $cartId, sku: $sku, quantity: $quantity) { cart { lines { sku quantity } } userErrors { code field } } }';
    const to = async (quantity: number) => (await gql(stackUrls().gateway, update, { cartId, sku, quantity })).data.cartUpdateLine;
    expect((await to(4)).cart.lines).toEqual([{ sku, quantity: 4 }]);
    expect(await available(sku, 'IN')).toBe(6);
    expect((await to(2)).cart.lines).toEqual([{ sku, quantity: 2 }]);
    expect(await available(sku, 'IN')).toBe(8);
    expect((await to(11)).userErrors[0].code).toBe('INSUFFICIENT_STOCK');
    expect(await available(sku, 'IN')).toBe(8);
    expect((await to(0)).cart.lines).toEqual([]);
    expect(await available(sku, 'IN')).toBe(10);
    expect((await to(-1)).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['quantity'] });
  });
});
