import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeOnSignals, createBus, createLogger, runMain, startRelay, type Relay } from '@shop/platform';
import { parseRelayEnv } from './config.ts';

/**
 * The relay process: one outbox relay per source database, all publishing to
 * one bus, with /health (alive) and /ready (bus and every source usable).
 */
await runMain(async () => {
  const env = parseRelayEnv();
  const logger = createLogger('relay', env.LOG_LEVEL);
  const bus = createBus({ redisUrl: env.REDIS_URL, databaseUrl: env.BUS_DATABASE_URL, streamPrefix: env.BUS_STREAM_PREFIX, logger });

  const relays = new Map<string, Relay>();
  for (const source of env.RELAY_SOURCES) {
    relays.set(
      source.name,
      await startRelay({ source: source.name, databaseUrl: source.url, bus, logger, batchSize: env.RELAY_BATCH_SIZE, pollIntervalMs: env.RELAY_POLL_INTERVAL_MS }),
    );
  }

  async function ready(): Promise<void> {
    const checks = [['bus', bus.ping()] as const, ...[...relays].map(([name, relay]) => [`source ${name}`, relay.ping()] as const)];
    const results = await Promise.allSettled(checks.map(([, check]) => withTimeout(check, 2_000)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${checks[i]![0]}: ${(r.reason as Error).message}`] : []));
    if (failed.length) throw new Error(failed.join('; '));
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/health') return sendJson(res, 200, { status: 'ok', service: 'relay' });
    if (path === '/ready') {
      return void ready().then(
        () => sendJson(res, 200, { status: 'ready', service: 'relay' }),
        (err: Error) => sendJson(res, 503, { status: 'unavailable', reason: err.message }),
      );
    }
    sendJson(res, 404, { error: `No route ${path}; this service answers /health and /ready` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOST, resolve);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${port}`, sources: [...relays.keys()], bus: env.REDIS_URL ? 'redis' : 'postgres' }, 'relay ready');

  closeOnSignals(async () => {
    server.close();
    server.closeAllConnections();
    // Each relay finishes the batch in flight; a batch cut short would only be published again.
    await Promise.allSettled([...relays.values()].map((relay) => relay.stop()));
    await bus.close();
    logger.info('stopped');
  }, logger);
});

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
