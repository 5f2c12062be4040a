import { closeOnSignals, createLogger, createMetrics, readGraphQLFile, runMain, startService } from '@shop/platform';
import { buildGateway, supergraphSubgraphs } from './gateway.ts';
import { loadGatewayEnv, subgraphUrlOverrides } from './env.ts';

await runMain(async () => {
  // @apollo/gateway otherwise probes the cloud providers' metadata endpoints at start and exports an
  // OpenTelemetry uptime gauge to Apollo's servers every few minutes: nothing leaves the shop unasked.
  // Set APOLLO_TELEMETRY_DISABLED=false to allow it.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  const env = loadGatewayEnv();
  const logger = createLogger('gateway', env.LOG_LEVEL);
  // One-byte for V8 before anything reads names out of it: see readGraphQLFile.
  const supergraphSdl = readGraphQLFile(env.SUPERGRAPH_PATH);
  const overrides = subgraphUrlOverrides(supergraphSubgraphs(supergraphSdl).map((s) => s.name));
  const metrics = createMetrics('gateway');
  const gw = buildGateway({ env, logger, metrics, supergraphSdl, urlOverrides: overrides });
  const service = await startService({
    name: 'gateway',
    host: env.HOST,
    port: env.PORT,
    logger,
    metrics,
    apollo: gw.apollo,
    context: gw.context,
    ready: gw.ready,
    onClose: gw.close,
    // Nothing in the gateway reads the request scope (no SQL, no DataLoaders); its promise hooks cost CPU.
    requestScope: false,
    graphiql: env.NODE_ENV === 'production' ? false : { defaultQuery: '# Try a contract operation, e.g.\nquery Regions {\n  regions { code name currencyCode taxIncluded }\n}\n' },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  });
  logger.info({ subgraphs: gw.subgraphs.map((s) => ({ ...s, url: overrides[s.name] ?? s.url })) }, 'routing');
  closeOnSignals(service.close, logger);
});
