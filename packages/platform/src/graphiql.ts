import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * GraphiQL served from this package's own node_modules: no CDN, so it works
 * offline and behind proxies. graphiql 3 is the last line with a UMD build,
 * which needs React 18's UMD builds next to it.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: resolveIn('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { file: resolveIn('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { file: resolveIn('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: resolveIn('graphiql', 'graphiql.min.css'), type: 'text/css' },
};

function resolveIn(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

const cache = new Map<string, Buffer>();
export function graphiqlAsset(name: string): { body: Buffer; type: string } | undefined {
  const asset = ASSETS[name];
  if (!asset) return undefined;
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(asset.file);
    cache.set(name, body);
  }
  return { body, type: asset.type };
}

export function graphiqlHtml(options: { title: string; endpoint: string; defaultQuery?: string }): string {
  const config = JSON.stringify({ endpoint: options.endpoint, defaultQuery: options.defaultQuery ?? '' }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${options.title.replace(/[<&>"]/g, '')} · GraphiQL</title>
<link rel="stylesheet" href="${GRAPHIQL_ASSET_PREFIX}graphiql.css">
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_ASSET_PREFIX}react.js"></script>
<script src="${GRAPHIQL_ASSET_PREFIX}react-dom.js"></script>
<script src="${GRAPHIQL_ASSET_PREFIX}graphiql.js"></script>
<script>
  const config = ${config};
  const fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, location.href).toString() });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: config.defaultQuery, shouldPersistHeaders: true }),
  );
</script>
</body>
</html>`;
}
