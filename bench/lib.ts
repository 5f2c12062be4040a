import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, ALL_SERVICES, startStack, type RunningStack } from '@shop/stack';

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** A stack of its own for a scenario: embedded PostgreSQL under .data/bench (or DATABASE_URL), ports 4400+. */
export async function benchStack(products: number): Promise<RunningStack> {
  const ports: Record<string, number> = {};
  ALL_SERVICES.forEach((s, i) => (ports[s.name] = 4400 + i));
  return startStack({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: path.join(ROOT, '.data', 'bench'),
    embeddedPort: 54_350,
    databasePrefix: 'shop_bench_',
    products,
    ports,
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn' },
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
