import { inject } from 'vitest';
import { BFF_SERVICES, GATEWAY_SERVICE, SUBGRAPH_SERVICES, spawnService, stopProcess, waitUntilReady } from '@shop/stack';
import { freePort } from './ports.ts';
import { E2E_INTERNAL_SECRET } from './secrets.ts';

/** URLs of the shared e2e stack (test/setup/stack.ts). */
export function stackUrls(): {
  gateway: string;
  catalogue: string;
  inventory: string;
  pricing: string;
  personalization: string;
  orders: string;
  'bff-web': string;
  'bff-mobile': string;
} {
  return inject('stackUrls') as never;
}

export interface ExtraService {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

export type ExtraServiceName = 'gateway' | 'catalogue' | 'inventory' | 'pricing' | 'personalization' | 'orders' | 'bff-web' | 'bff-mobile';

/**
 * Starts one more gateway, subgraph or BFF process next to the shared stack,
 * for tests that need another configuration: production mode, a dead
 * subgraph, a short timeout. It gets the stack's internal credential unless
 * `env` says otherwise. Stopped by the caller (afterAll).
 */
export async function startExtra(name: ExtraServiceName, env: Record<string, string>, options: { waitReady?: boolean } = {}): Promise<ExtraService & { exited: Promise<number | null> }> {
  const spec = [GATEWAY_SERVICE, ...SUBGRAPH_SERVICES, ...BFF_SERVICES].find((s) => s.name === name)!;
  const output: string[] = [];
  const proc = spawnService(spec, await freePort(), { LOG_LEVEL: 'warn', INTERNAL_SECRET: E2E_INTERNAL_SECRET, ...env }, { onLine: (_n, line) => output.push(line) });
  if (options.waitReady ?? true) {
    try {
      await waitUntilReady(proc, 60_000);
    } catch (err) {
      await stopProcess(proc);
      throw new Error(`${(err as Error).message}\n${output.slice(-20).join('\n')}`);
    }
  }
  return { url: proc.url, output, exited: proc.exited, stop: () => stopProcess(proc) };
}

/** Environment for a gateway that routes to the shared stack's subgraphs. */
export function gatewayEnvForStack(overrides: Record<string, string> = {}): Record<string, string> {
  const urls = stackUrls();
  return {
    CATALOGUE_URL: urls.catalogue,
    INVENTORY_URL: urls.inventory,
    PRICING_URL: urls.pricing,
    PERSONALIZATION_URL: urls.personalization,
    ORDERS_URL: urls.orders,
    ...overrides,
  };
}

/**
 * Environment for a BFF in front of `gatewayUrl`, on the shared stack's bus
 * (Redis when the run has one, else the PostgreSQL bus database), so that its
 * page cache hears the same invalidation events as the stack's BFFs.
 */
export function bffEnvForStack(gatewayUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  const redisUrl = inject('redisUrl');
  const bus: Record<string, string> = redisUrl ? { REDIS_URL: redisUrl } : { BUS_DATABASE_URL: inject('stackDatabases').bus! };
  return { GATEWAY_URL: gatewayUrl, ...bus, ...overrides };
}
