import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '@shop/platform/embedded-postgres';
import { prepareDatabases } from './databases.ts';
import { spawnService, stopProcess, waitUntilReady, type RunningProcess } from './processes.ts';
import { BFF_SERVICES, GATEWAY_SERVICE, RELAY_SERVICE, ROOT, SUBGRAPH_SERVICES, type ServiceSpec } from './services.ts';
import { ensureDatabase, withDatabase } from '@shop/platform';

export { ALL_SERVICES, BFF_SERVICES, GATEWAY_SERVICE, RELAY_SERVICE, SUBGRAPH_SERVICES, ROOT } from './services.ts';
export { prepareDatabases } from './databases.ts';
export { spawnService, stopProcess, waitUntilReady, type RunningProcess } from './processes.ts';

export interface StackOptions {
  /** A PostgreSQL server URL; without it an embedded server runs under `dataDir`. */
  databaseUrl?: string;
  redisUrl?: string;
  /** @default <repo>/.data */
  dataDir?: string;
  /** @default 54_320 */
  embeddedPort?: number;
  /** @default 'shop_' */
  databasePrefix?: string;
  products: number;
  reseed?: boolean;
  /** Service name -> port. Defaults: gateway 4000, subgraphs 4001-4005, bff-web 4100, bff-mobile 4200 (ARCHITECTURE.md). */
  ports?: Partial<Record<string, number>>;
  /** Extra environment for every service (NODE_ENV, LOG_LEVEL, secrets). */
  env?: Record<string, string>;
  /** Prepare the databases and stop before starting services. */
  databasesOnly?: boolean;
  log?: (line: string) => void;
  onServiceLine?: (name: string, line: string) => void;
}

export interface RunningStack {
  /** Service name -> GraphQL URL */
  urls: Record<string, string>;
  /** Subgraph name -> its database URL (and `bus` when the bus is PostgreSQL) */
  databases: Record<string, string>;
  serverUrl: string;
  processes: RunningProcess[];
  stop(): Promise<void>;
}

/**
 * Brings the system up: PostgreSQL (embedded unless databaseUrl), one database
 * per subgraph migrated and seeded, the subgraphs, then the gateway, each
 * waited for on /ready. stop() takes it down in reverse order, database last.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  let pg: RunningPostgres | undefined;
  const processes: RunningProcess[] = [];
  const stop = async () => {
    // Front to back: the BFFs, then the gateway, then the rest, so that nothing serves requests its dependencies no longer can.
    const bffs = new Set(BFF_SERVICES.map((s) => s.name));
    await Promise.all(processes.filter((p) => bffs.has(p.name)).map((p) => stopProcess(p)));
    await Promise.all(processes.filter((p) => p.name === GATEWAY_SERVICE.name).map((p) => stopProcess(p)));
    await Promise.all(processes.map((p) => stopProcess(p)));
    await pg?.stop();
  };
  try {
    let serverUrl = options.databaseUrl;
    if (!serverUrl) {
      pg = await startEmbeddedPostgres({
        dataDir: path.join(options.dataDir ?? path.join(ROOT, '.data'), 'postgres'),
        port: options.embeddedPort,
        log: (line) => (/error|fatal|panic/i.test(line) ? log(`postgres: ${line}`) : undefined),
      });
      serverUrl = pg.url;
      log(`PostgreSQL (embedded) on ${new URL(serverUrl).host}`);
    }
    const databases = await prepareDatabases(SUBGRAPH_SERVICES, { serverUrl, prefix: options.databasePrefix ?? 'shop_', products: options.products, reseed: options.reseed ?? false, log });
    if (!options.redisUrl) {
      // Without Redis the bus is PostgreSQL: a database of its own that every service can reach.
      const busDb = `${options.databasePrefix ?? 'shop_'}bus`;
      await ensureDatabase(serverUrl, busDb);
      databases.bus = withDatabase(serverUrl, busDb);
    }
    if (options.databasesOnly) {
      await stop();
      return { urls: {}, databases, serverUrl, processes, stop: async () => {} };
    }
    const common: Record<string, string> = {
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : { BUS_DATABASE_URL: databases.bus! }),
      ...options.env,
    };
    const portOf = (s: ServiceSpec) => options.ports?.[s.name] ?? s.defaultPort;
    // Every service learns where every subgraph runs (the gateway routes to them; orders calls inventory and pricing).
    const routes = Object.fromEntries(SUBGRAPH_SERVICES.map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${portOf(s)}/graphql`]));
    const subgraphs = SUBGRAPH_SERVICES.map((s, i) => spawnService(s, portOf(s), { ...common, ...routes, DATABASE_URL: databases[s.name]! }, { onLine: options.onServiceLine, index: i }));
    processes.push(...subgraphs);
    await Promise.all(subgraphs.map((p) => waitUntilReady(p)));
    const relaySources = RELAY_SERVICE.sources.map((name) => `${name}=${databases[name]}`).join(',');
    const relay = spawnService(RELAY_SERVICE, portOf(RELAY_SERVICE), { ...common, RELAY_SOURCES: relaySources }, { onLine: options.onServiceLine, index: subgraphs.length + 1 });
    const gateway = spawnService(GATEWAY_SERVICE, portOf(GATEWAY_SERVICE), { ...common, ...routes }, { onLine: options.onServiceLine, index: subgraphs.length });
    processes.push(relay, gateway);
    await Promise.all([waitUntilReady(gateway), waitUntilReady(relay)]);
    const bffs = BFF_SERVICES.map((s, i) => spawnService(s, portOf(s), { ...common, GATEWAY_URL: gateway.url }, { onLine: options.onServiceLine, index: subgraphs.length + 2 + i }));
    processes.push(...bffs);
    await Promise.all(bffs.map((p) => waitUntilReady(p)));
    return { urls: Object.fromEntries(processes.map((p) => [p.name, p.url])), databases, serverUrl, processes, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
