import { closeOnSignals, runMain } from '@shop/platform';
import { createBffRuntime, loadBffEnv, startBffServer } from '@shop/bff';
import { registerLiveDemo } from './demo/live-page.ts';
import { buildWebBff, defaultPort, graphiqlDefaultQuery, name, persistedDocuments } from './bff.ts';

await runMain(async () => {
  const env = loadBffEnv(defaultPort);
  const runtime = await createBffRuntime(name, env, persistedDocuments);
  const bff = buildWebBff(runtime);
  await bff.start();
  const server = await startBffServer({
    name,
    host: env.HOST,
    port: env.PORT,
    logger: runtime.logger,
    metrics: runtime.metrics,
    schema: bff.schema,
    resolvers: bff.resolvers as never,
    context: bff.context,
    ready: runtime.ready,
    production: env.NODE_ENV === 'production',
    graphiqlDefaultQuery,
    maxDepth: env.MAX_QUERY_DEPTH,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    live: bff.live,
    extend: env.NODE_ENV === 'production' ? undefined : registerLiveDemo,
    onClose: async () => {
      await bff.close();
      await runtime.close();
    },
  });
  closeOnSignals(server.close, runtime.logger);
});
