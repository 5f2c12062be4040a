import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from '@shop/bff';

const require = createRequire(import.meta.url);
// The browser build ships in the package but is not in its exports map: reach it from the main entry (dist/).
const GRAPHQL_WS_UMD = path.join(path.dirname(require.resolve('graphql-ws')), '..', 'umd', 'graphql-ws.min.js');

/**
 * A small live demo (development only) at /live: a category's product grid
 * whose size and colour chips carry stock badges that change as carts,
 * checkouts and restocks happen, over the graphql-ws client (served from this
 * BFF, no CDN). `?category=<slug>&region=<code>` picks what it shows.
 */
export function registerLiveDemo(app: FastifyInstance): void {
  let script: Buffer | undefined;
  app.get('/live/graphql-ws.js', async (_req, reply) => {
    script ??= readFileSync(GRAPHQL_WS_UMD);
    return reply.type('text/javascript').header('cache-control', 'public, max-age=86400').send(script);
  });
  app.get('/live', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bff-web · live stock</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
  header { display: flex; gap: 16px; align-items: baseline; }
  #status { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #eee; }
  #status.open { background: #d7f5dd; }
  #grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 16px; margin-top: 16px; }
  .card { border: 1px solid #ddd; border-radius: 8px; padding: 12px; }
  .card h3 { font-size: 14px; margin: 0 0 4px; }
  .price { color: #555; margin-bottom: 8px; }
  .chips { display: flex; flex-wrap: wrap; gap: 6px; }
  .chip { font-size: 12px; border-radius: 6px; padding: 2px 6px; border: 1px solid #ccc; transition: background 0.6s; }
  .chip.IN_STOCK { background: #e8f7ec; } .chip.LOW_STOCK { background: #fff3d6; } .chip.OUT_OF_STOCK { background: #f6d9d9; text-decoration: line-through; }
  .chip.flash { background: #9fd3ff; }
</style>
</head>
<body>
<header><h1>Live stock</h1><span id="where"></span><span id="status">connecting…</span></header>
<div id="grid"></div>
<script src="/live/graphql-ws.js"></script>
<script>
  const params = new URLSearchParams(location.search);
  const region = params.get('region') || 'US';
  const category = params.get('category');
  const grid = document.getElementById('grid');
  const status = document.getElementById('status');
  const chips = new Map();

  async function query(q, variables) {
    const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q, variables }) });
    const body = await res.json();
    if (body.errors) throw new Error(body.errors[0].message);
    return body.data;
  }

  async function main() {
    let slug = category;
    if (!slug) slug = 't-shirts';
    document.getElementById('where').textContent = slug + ' · ' + region;
    const data = await query('query($slug: String!, $region: RegionCode!) { categoryPage(slug: $slug, region: $region, first: 24) { products { id slug title price { formatted } } } }', { slug, region });
    const products = data.categoryPage ? data.categoryPage.products : [];
    const skus = [];
    for (const p of products) {
      const page = await query('query($slug: String!, $region: RegionCode!) { productPage(slug: $slug, region: $region) { variants { sku label stock { badge available } } } }', { slug: p.slug, region });
      const card = document.createElement('div');
      card.className = 'card';
      card.innerHTML = '<h3></h3><div class="price"></div><div class="chips"></div>';
      card.querySelector('h3').textContent = p.title;
      card.querySelector('.price').textContent = p.price ? p.price.formatted : '';
      for (const v of page.productPage.variants) {
        const chip = document.createElement('span');
        chip.className = 'chip ' + (v.stock ? v.stock.badge : 'OUT_OF_STOCK');
        chip.dataset.sku = v.sku;
        chip.title = v.sku;
        chip.textContent = v.label + ' · ' + (v.stock ? v.stock.available : 0);
        chip.dataset.label = v.label;
        card.querySelector('.chips').appendChild(chip);
        chips.set(v.sku, chip);
        skus.push(v.sku);
      }
      grid.appendChild(card);
    }
    const client = graphqlWs.createClient({
      url: location.origin.replace(/^http/, 'ws') + '/graphql',
      retryAttempts: Infinity,
      on: { connected: () => { status.textContent = 'live'; status.className = 'open'; }, closed: () => { status.textContent = 'reconnecting…'; status.className = ''; } },
    });
    for (let i = 0; i < skus.length; i += 100) {
      client.subscribe({ query: 'subscription($skus: [ID!]!, $region: RegionCode!) { stockBadges(skus: $skus, region: $region) { sku badge available } }', variables: { skus: skus.slice(i, i + 100), region } }, {
        next: ({ data }) => {
          const u = data.stockBadges;
          const chip = chips.get(u.sku);
          if (!chip) return;
          const text = chip.dataset.label + ' · ' + u.available;
          if (chip.textContent !== text) { chip.classList.add('flash'); setTimeout(() => chip.classList.remove('flash'), 600); }
          chip.className = 'chip ' + u.badge + (chip.classList.contains('flash') ? ' flash' : '');
          chip.textContent = text;
          chip.dataset.badge = u.badge;
          chip.dataset.available = String(u.available);
        },
        error: (e) => { status.textContent = 'error: ' + (e.message || (e[0] && e[0].message) || e.code); },
        complete: () => {},
      });
    }
  }
  main().catch((e) => { status.textContent = 'error: ' + e.message; });
</script>
</body>
</html>`;
