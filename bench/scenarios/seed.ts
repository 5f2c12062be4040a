/**
 * Seed scenario: time to generate and insert N products (default 20,000, so
 * that `pnpm bench` with every scenario stays within minutes; the README's
 * figure is for --products=100000) into fresh databases of every subgraph.
 *
 *   pnpm bench seed [--products=20000]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { dropDatabase } from '@shop/platform';
import { startEmbeddedPostgres } from '@shop/platform/embedded-postgres';
import { ROOT, SUBGRAPH_SERVICES, prepareDatabases } from '@shop/stack';
import { BENCH, markdownTable, writeResult } from '../lib.ts';

const { values } = parseArgs({ options: { products: { type: 'string', default: '20000' } }, allowPositionals: true });
const products = Number(values.products);
const pg = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: path.join(BENCH.dataDir, 'postgres'), port: BENCH.pgPort });
const serverUrl = process.env.DATABASE_URL ?? pg!.url;
const prefix = 'shop_seedbench_';
try {
  for (const s of SUBGRAPH_SERVICES) await dropDatabase(serverUrl, `${prefix}${s.name}`);
  const lines: string[] = [];
  const t0 = Date.now();
  await prepareDatabases(SUBGRAPH_SERVICES, { serverUrl, prefix, products, reseed: true, log: (l) => lines.push(l) });
  const totalMs = Date.now() - t0;
  const rows = lines.filter((l) => l.includes('seeded')).map((l) => [l.split(':')[0]!, Number(/in (\d+) ms/.exec(l)?.[1])]);
  console.log(markdownTable(['subgraph', `seed ms (${products} products)`], [...rows, ['all, in parallel, with migrations', totalMs]]));
  console.log(`\nwrote ${writeResult('seed', { products, totalMs, perSubgraph: Object.fromEntries(rows) })}`);
  for (const s of SUBGRAPH_SERVICES) await dropDatabase(serverUrl, `${prefix}${s.name}`);
} finally {
  await pg?.stop();
}
