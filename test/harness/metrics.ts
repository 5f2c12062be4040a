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
