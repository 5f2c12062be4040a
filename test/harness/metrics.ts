/** The SQL statements a service has sent while serving requests so far (background work excluded), from its Prometheus /metrics. */
export async function sqlStatements(graphqlUrl: string): Promise<number> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith('shop_sql_statements_total{') && l.includes('scope="request"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Runs `fn` and returns how many SQL statements each service sent meanwhile. */
export async function countStatements(urls: Record<string, string>, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const names = Object.keys(urls);
  const before = await Promise.all(names.map((n) => sqlStatements(urls[n]!)));
  await fn();
  const after = await Promise.all(names.map((n) => sqlStatements(urls[n]!)));
  return Object.fromEntries(names.map((n, i) => [n, after[i]! - before[i]!]));
}

/**
 * The sum of a Prometheus counter's samples at a service's /metrics whose
 * labels include all of `labels`, e.g. `shop_bff_page_cache_total` with
 * `{ result: 'hit' }`; 0 when no sample matches yet.
 */
export async function metricValue(graphqlUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => given[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

/** GraphQL requests a service has answered so far (any status), from its HTTP duration histogram. */
export function graphqlRequests(graphqlUrl: string): Promise<number> {
  return metricValue(graphqlUrl, 'shop_http_request_duration_seconds_count', { route: 'graphql' });
}

/** Batches and keys per DataLoader a service has recorded while serving requests (`shop_dataloader_batch_size` _count and _sum, by loader). */
export async function loaderBatches(graphqlUrl: string): Promise<Record<string, { batches: number; keys: number }>> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const out: Record<string, { batches: number; keys: number }> = {};
  for (const line of text.split('\n')) {
    const match = /^shop_dataloader_batch_size_(count|sum)\{[^}]*\bloader="([^"]+)"[^}]*\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const entry = (out[match[2]!] ??= { batches: 0, keys: 0 });
    entry[match[1] === 'count' ? 'batches' : 'keys'] = Number(match[3]);
  }
  return out;
}
