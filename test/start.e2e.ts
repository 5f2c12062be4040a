import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, SUBGRAPH_SERVICES } from '@shop/stack';

/** Subgraphs with demo data of their own (orders has none). */
const SEEDED = SUBGRAPH_SERVICES.filter((s) => s.database?.seed).length;
import { freePort, gql } from './harness/index.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'shop-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function ports() {
  return { EMBEDDED_PG_PORT: await freePort(), GATEWAY_PORT: await freePort(), CATALOGUE_PORT: await freePort(), INVENTORY_PORT: await freePort(), PRICING_PORT: await freePort(), ORDERS_PORT: await freePort(), PERSONALIZATION_PORT: await freePort(), RELAY_PORT: await freePort(), BFF_WEB_PORT: await freePort(), BFF_MOBILE_PORT: await freePort() };
}

/** Runs `pnpm start`'s script until it prints its URLs, then Ctrl-C (SIGINT to its process group, as a terminal does). */
async function startAndStop(env: Record<string, number | string>, check: (out: string[]) => Promise<void>): Promise<{ output: string[]; code: number | null }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) };
  delete childEnv.DATABASE_URL; // the embedded default, whatever the test run points at
  delete childEnv.REDIS_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const s of [child.stdout, child.stderr]) createInterface({ input: s }).on('line', (l) => output.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await expect.poll(() => output.some((l) => l.startsWith('ready in')) || child.exitCode !== null, { timeout: 120_000, interval: 200 }).toBe(true);
    expect(child.exitCode, output.join('\n')).toBeNull();
    await check(output);
  } finally {
    process.kill(-child.pid!, 'SIGINT');
  }
  return { output, code: await exited };
}

describe('pnpm start', () => {
  it('brings up PostgreSQL and every service, seeds once, prints GraphiQL first, and Ctrl-C leaves nothing behind', async () => {
    const env = { ...(await ports()), DATA_DIR: dataDir, SEED_PRODUCTS: 60 };
    const gatewayUrl = `http://127.0.0.1:${env.GATEWAY_PORT}/graphql`;
    const first = await startAndStop(env, async (out) => {
      const urls = out.filter((l) => /^\s+\S+\s+http:\/\//.test(l));
      expect(urls[0]).toMatch(/GraphiQL\s+http:\/\/127\.0\.0\.1:\d+\/graphql/);
      const res = await gql(gatewayUrl, '{ products(first: 1) { totalCount } regions { code } }');
      expect(res.data.products.totalCount).toBe(60);
      expect(res.data.regions).toHaveLength(5);
      // Both BFFs are up and reach the gateway.
      expect((await gql(`http://127.0.0.1:${env.BFF_WEB_PORT}/graphql`, '{ regions { code locale } }')).data.regions).toHaveLength(5);
      expect((await gql(`http://127.0.0.1:${env.BFF_MOBILE_PORT}/graphql`, '{ productDetail(slug: "no-such-product", region: US) { id } }')).data).toEqual({ productDetail: null });
    });
    expect(first.output.filter((l) => /seeded 60 products/.test(l))).toHaveLength(SEEDED);
    expect(first.code, first.output.slice(-15).join('\n')).toBe(0);
    await expectAllDown(env);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await startAndStop(env, async () => {
      expect((await gql(gatewayUrl, '{ products(first: 1) { totalCount } }')).data.products.totalCount).toBe(60);
    });
    expect(second.output.filter((l) => /seed data present/.test(l))).toHaveLength(SEEDED);
    expect(second.output.some((l) => /seeded/.test(l))).toBe(false);
    await expectAllDown(env);
  }, 240_000); // two whole-system starts and stops, ten processes each, on two cores
});

async function expectAllDown(env: Record<string, number | string>) {
  for (const key of ['EMBEDDED_PG_PORT', 'GATEWAY_PORT', 'CATALOGUE_PORT', 'INVENTORY_PORT', 'PRICING_PORT', 'ORDERS_PORT', 'PERSONALIZATION_PORT', 'RELAY_PORT', 'BFF_WEB_PORT', 'BFF_MOBILE_PORT']) {
    const port = Number(env[key]);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    expect(open, `${key} ${port} still listening`).toBe(false);
  }
}
