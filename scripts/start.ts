/**
 * `pnpm start`: the whole system on this machine.
 *
 *   pnpm start                     embedded PostgreSQL, seeded once, every service
 *   pnpm start --reseed            regenerate the demo data first
 *   pnpm start --products 100000   a bigger catalogue (benchmarks)
 *   pnpm seed                      prepare the databases and exit
 *
 * DATABASE_URL / REDIS_URL use those servers instead of the embedded defaults.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { envTypes, parseEnv, ConfigError } from '@shop/platform';
import { DEFAULT_PRODUCT_COUNT } from '@shop/seed';
import { startStack, type RunningStack } from '@shop/stack';

const started = Date.now();
let args;
let env;
try {
  ({ values: args } = parseArgs({
    options: { reseed: { type: 'boolean', default: false }, 'seed-only': { type: 'boolean', default: false }, products: { type: 'string' } },
  }));
  env = parseEnv({
    DATABASE_URL: envTypes.optionalUrl(),
    REDIS_URL: envTypes.optionalUrl(),
    EMBEDDED_PG_PORT: envTypes.port(54_320),
    DATA_DIR: z.string().optional(),
    SEED_PRODUCTS: envTypes.positiveInt(DEFAULT_PRODUCT_COUNT),
    GATEWAY_PORT: envTypes.port(4000),
    CATALOGUE_PORT: envTypes.port(4001),
    INVENTORY_PORT: envTypes.port(4002),
    PRICING_PORT: envTypes.port(4003),
    PERSONALIZATION_PORT: envTypes.port(4004),
    ORDERS_PORT: envTypes.port(4005),
    RELAY_PORT: envTypes.port(4300),
    BFF_WEB_PORT: envTypes.port(4100),
    BFF_MOBILE_PORT: envTypes.port(4200),
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
const products = args.products !== undefined ? Number(args.products) : env.SEED_PRODUCTS;
if (!Number.isInteger(products) || products < 1 || products > 1_000_000) {
  console.error(`--products must be an integer from 1 to 1,000,000, got "${args.products}"`);
  process.exit(2);
}

let stack: RunningStack | undefined;
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping every service and the database…');
  await stack?.stop();
  console.log('stopped');
  process.exit(code);
}
// Ctrl-C reaches the whole process group; each child drains on its own, and we wait for them.
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  stack = await startStack({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    dataDir: env.DATA_DIR,
    embeddedPort: env.EMBEDDED_PG_PORT,
    products,
    reseed: args.reseed,
    databasesOnly: args['seed-only'],
    ports: { gateway: env.GATEWAY_PORT, catalogue: env.CATALOGUE_PORT, inventory: env.INVENTORY_PORT, pricing: env.PRICING_PORT, personalization: env.PERSONALIZATION_PORT, orders: env.ORDERS_PORT, relay: env.RELAY_PORT, 'bff-web': env.BFF_WEB_PORT, 'bff-mobile': env.BFF_MOBILE_PORT },
  });
} catch (err) {
  console.error(`\nstart failed: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
  if (err instanceof Error && err.cause) console.error(err.cause);
  await shutdown(1);
}
if (args['seed-only']) {
  console.log(`databases ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(0);
}
const urls = stack!.urls;
console.log(`
ready in ${((Date.now() - started) / 1000).toFixed(1)} s

  GraphiQL      ${urls.gateway}   (open in a browser; also on each BFF's URL)
  gateway       ${urls.gateway}
  bff-web       ${urls['bff-web']}   (live: ${urls['bff-web']!.replace('http', 'ws')}, demo: ${urls['bff-web']!.replace('/graphql', '/live')})
  bff-mobile    ${urls['bff-mobile']}   (live: ${urls['bff-mobile']!.replace('http', 'ws')})
  catalogue     ${urls.catalogue}
  inventory     ${urls.inventory}
  pricing       ${urls.pricing}
  personalization ${urls.personalization}
  orders        ${urls.orders}
  relay         ${urls.relay!.replace('/graphql', '/health')}   (outboxes -> bus)
  PostgreSQL    ${stack!.serverUrl.replace(/:[^:@/]*@/, ':***@')}
  bus           ${env.REDIS_URL ? `Redis streams at ${env.REDIS_URL}` : 'PostgreSQL (database shop_bus)'}
  cache         ${env.REDIS_URL ? 'Redis' : 'in-process (no REDIS_URL)'}

Ctrl-C stops everything.`);
