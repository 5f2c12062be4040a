import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ALL_SERVICES, startStack, type RunningStack } from '@shop/stack';

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/**
 * Where a scenario's stack runs. Two scenarios on one machine at once need different values
 * (BENCH_PORT_BASE, BENCH_PG_PORT, BENCH_DATA_DIR).
 */
export const BENCH = {
  /** @default 4400 // services on 4400 and up; a scenario's extra processes on 4480 and up */
  portBase: Number(process.env.BENCH_PORT_BASE ?? 4400),
  /** @default 54_350 // the embedded PostgreSQL */
  pgPort: Number(process.env.BENCH_PG_PORT ?? 54_350),
  dataDir: process.env.BENCH_DATA_DIR ?? path.join(ROOT, '.data', 'bench'),
};

/** A free port for a scenario's own extra process number `i` (a second gateway, a floor server). */
export const extraPort = (i: number) => BENCH.portBase + 80 + i;

/** A stack of its own for a scenario: embedded PostgreSQL under .data/bench (or DATABASE_URL), ports 4400+. */
export async function benchStack(products: number, options: { env?: Record<string, string> } = {}): Promise<RunningStack> {
  const ports: Record<string, number> = {};
  ALL_SERVICES.forEach((s, i) => (ports[s.name] = BENCH.portBase + i));
  return startStack({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: BENCH.dataDir,
    embeddedPort: BENCH.pgPort,
    databasePrefix: 'shop_bench_',
    products,
    ports,
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', ...options.env },
    log: (line) => console.error(line),
    onServiceLine: () => {},
  });
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ scenario: name, at: new Date().toISOString(), ...(data as object) }, null, 2));
  return file;
}
