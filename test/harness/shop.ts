import { contractOperation } from './contract.ts';
import { gql } from './graphql.ts';
import { stackSql } from './db.ts';
import { stackUrls } from './services.ts';
import { E2E_INTERNAL_SECRET } from './secrets.ts';

export const CART_CREATE = contractOperation('gateway/Cart.graphql', 'CartCreate');
export const CART_ADD_LINE = contractOperation('gateway/Cart.graphql', 'CartAddLine');
export const CART_REMOVE_LINE = contractOperation('gateway/Cart.graphql', 'CartRemoveLine');
export const CART = contractOperation('gateway/Cart.graphql', 'Cart');
export const CHECKOUT = contractOperation('gateway/Checkout.graphql', 'Checkout');

const STOCK = 'query Stock($id: ID!, $region: RegionCode!) { product(id: $id) { variants { sku stock(region: $region) { available badge } } } }';

/** Available units of a sku in a region, as another shopper's product page sees it (through the gateway). */
export async function available(sku: string, region: string): Promise<number> {
  const [item] = await stackSql<{ product_id: string }>('inventory', 'SELECT product_id FROM inventory_item WHERE sku = $1', [sku]);
  const res = await gql(stackUrls().gateway, STOCK, { id: item!.product_id, region });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.product.variants.find((v: { sku: string }) => v.sku === sku).stock.available;
}

/** A sku with at least `min` units available in `region` (and a price there), from the seeded data. */
export async function skuWithStock(region: string, min: number, skip = 0): Promise<string> {
  const rows = await stackSql<{ sku: string }>(
    'inventory',
    'SELECT sku FROM inventory_level WHERE region = $1 AND on_hand - reserved >= $2 ORDER BY sku OFFSET $3 LIMIT 1',
    [region, min, skip],
  );
  if (!rows[0]) throw new Error(`no sku with ${min} available in ${region}`);
  return rows[0].sku;
}

/**
 * Sets a sku's available units in a region to exactly `units`: the region's
 * first location gets what carts hold plus `units`, the others none (count
 * corrections through inventory's internal adjustStock, raising before lowering).
 */
export async function setAvailable(sku: string, region: string, units: number): Promise<void> {
  const [level] = await stackSql<{ reserved: number }>('inventory', 'SELECT reserved FROM inventory_level WHERE sku = $1 AND region = $2', [sku, region]);
  const locations = await stackSql<{ code: string }>('inventory', 'SELECT code FROM location WHERE region = $1 ORDER BY code', [region]);
  const targets = locations.map((l, i) => ({ code: l.code, onHand: i === 0 ? units + (level?.reserved ?? 0) : 0 }));
  for (const t of targets) {
    const res = await gql(
      stackUrls().inventory,
      'mutation Adjust($input: AdjustStockInput!) { adjustStock(input: $input) { onHand userErrors { code message } } }',
      { input: { sku, locationCode: t.code, onHand: t.onHand, reason: 'test setup' } },
      { 'x-shop-internal': E2E_INTERNAL_SECRET },
    );
    if (res.errors || res.data.adjustStock.userErrors.length) throw new Error(`adjustStock failed: ${JSON.stringify(res.errors ?? res.data.adjustStock.userErrors)}`);
  }
}

export async function createCart(region: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await gql(stackUrls().gateway, CART_CREATE, { region }, headers);
  if (res.errors || !res.data.cartCreate.cart) throw new Error(JSON.stringify(res.errors ?? res.data));
  return res.data.cartCreate.cart.id;
}

export interface SetPriceResult {
  amount: { amount: string; currencyCode: string };
  compareAt: { amount: string; currencyCode: string } | null;
}

/**
 * Sets a sku's price in a region through pricing's internal setPrice (as
 * merchandising would), which appends `pricing.price.changed` in the same
 * transaction. `compareAt` null or absent: not on sale.
 */
export async function setPrice(sku: string, region: string, amount: string, compareAt: string | null = null): Promise<SetPriceResult> {
  const res = await gql(
    stackUrls().pricing,
    'mutation SetPrice($input: SetPriceInput!) { setPrice(input: $input) { price { amount { amount currencyCode } compareAt { amount currencyCode } } userErrors { code field message } } }',
    { input: { sku, region, amount, compareAt } },
    { 'x-shop-internal': E2E_INTERNAL_SECRET },
  );
  if (res.errors || res.data.setPrice.userErrors.length) throw new Error(`setPrice failed: ${JSON.stringify(res.errors ?? res.data.setPrice.userErrors)}`);
  return res.data.setPrice.price;
}
