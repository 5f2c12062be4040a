/**
 * N+1 scenario: SQL statements each contract operation sends to each subgraph,
 * at page sizes 5 and 50 (they must be equal), read from the subgraphs'
 * /metrics around one request at a time.
 *
 *   pnpm bench sql-statements
 */
import { contractOperation } from '../../test/harness/contract.ts';
import { gql } from '../../test/harness/graphql.ts';
import { countStatements } from '../../test/harness/metrics.ts';
import { benchStack, markdownTable, writeResult } from '../lib.ts';

const stack = await benchStack(2_000);
try {
  const urls = stack.urls as Record<string, string>;
  const subgraphs = { catalogue: urls.catalogue!, inventory: urls.inventory!, pricing: urls.pricing! };
  const gateway = urls.gateway!;
  const slug = (await gql(gateway, '{ products(first: 1) { edges { node { slug title } } } }')).data.products.edges[0].node;
  const ops: { name: string; size: number | null; run: () => Promise<unknown> }[] = [];
  const productPage = contractOperation('gateway/ProductPage.graphql', 'ProductPage', { omitFields: ['recommendations'] });
  ops.push({ name: 'ProductPage (without recommendations)', size: null, run: () => gql(gateway, productPage, { slug: slug.slug, region: 'EU' }) });
  ops.push({ name: 'Regions', size: null, run: () => gql(gateway, contractOperation('gateway/Regions.graphql', 'Regions')) });
  for (const size of [5, 50]) {
    ops.push({ name: 'CategoryPage', size, run: () => gql(gateway, contractOperation('gateway/CategoryPage.graphql', 'CategoryPage'), { categorySlug: 'apparel', region: 'GB', first: size }) });
    ops.push({ name: 'Search', size, run: () => gql(gateway, contractOperation('gateway/Search.graphql', 'Search'), { query: 'cotton', region: 'US', first: size }) });
  }
  const rows: (string | number)[][] = [];
  const results: unknown[] = [];
  for (const op of ops) {
    await op.run(); // warm: plans cached, pools connected
    const counts = await countStatements(subgraphs, op.run);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    rows.push([op.name, op.size ?? '-', counts.catalogue!, counts.inventory!, counts.pricing!, total]);
    results.push({ operation: op.name, pageSize: op.size, ...counts, total });
  }
  console.log(markdownTable(['operation', 'first', 'catalogue', 'inventory', 'pricing', 'total'], rows));
  console.log(`\nwrote ${writeResult('sql-statements', { results })}`);
} finally {
  await stack.stop();
}
