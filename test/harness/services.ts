import { inject } from 'vitest';
import { GATEWAY_SERVICE, SUBGRAPH_SERVICES, spawnService, stopProcess, waitUntilReady } from '@shop/stack';
import { freePort } from './ports.ts';

/** URLs of the shared e2e stack (test/setup/stack.ts). */
export function stackUrls(): { gateway: string; catalogue: string; inventory: string; pricing: string; orders: string } {
  return inject('stackUrls') as never;
}

export interface ExtraService {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts one more gateway (or subgraph) process next to the shared stack, for
 * tests that need another configuration: production mode, a dead subgraph, a
 * short timeout. Stopped by the caller (afterAll).
 */
export async function startExtra(name: 'gateway' | 'catalogue' | 'inventory' | 'pricing' | 'orders', env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<ExtraService & { exited: Promise<number | null> }> {
  const spec = name === 'gateway' ? GATEWAY_SERVICE : SUBGRAPH_SERVICES.find((s) => s.name === name)!;
  const output: string[] = [];
  const proc = spawnService(spec, await freePort(), { LOG_LEVEL: 'warn', ...env }, { onLine: (_n, line) => output.push(line) });
  if (options.waitReady ?? true) await waitUntilReady(proc, 60_000);
  return { url: proc.url, output, exited: proc.exited, stop: () => stopProcess(proc) };
}

/** Environment for a gateway that routes to the shared stack's subgraphs. */
export function gatewayEnvForStack(overrides: Record<string, string> = {}): Record<string, string> {
  const urls = stackUrls();
  return { CATALOGUE_URL: urls.catalogue, INVENTORY_URL: urls.inventory, PRICING_URL: urls.pricing, ORDERS_URL: urls.orders, ...overrides };
}
