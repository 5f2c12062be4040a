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
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
