import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one service, served at /metrics. */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    sqlStatements: new Counter({
      name: 'shop_sql_statements_total',
      help: 'SQL statements sent to PostgreSQL, by scope: request (serving a request) or background (sweepers, relays)',
      labelNames: ['scope'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'shop_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    dataloaderBatchSize: new Histogram({
      name: 'shop_dataloader_batch_size',
      help: 'Keys per DataLoader batch while serving a request, by loader (namedLoader in batch.ts); _count is batches, _sum keys',
      labelNames: ['loader'],
      // Whole numbers of keys: 1 (nothing batched) up to a 100-item page's worth and beyond.
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
