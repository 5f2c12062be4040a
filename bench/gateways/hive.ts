/**
 * Hive Gateway for the `gateways` scenario: `@graphql-hive/gateway-runtime`
 * with the same supergraph file, default settings, served by node:http. The
 * only addition is the header every subgraph of this project requires (the
 * internal credential).
 *
 *   PORT=4482 SUPERGRAPH_PATH=… INTERNAL_SECRET=… node --import tsx bench/gateways/hive.ts
 */
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';

const secret = process.env.INTERNAL_SECRET ?? 'dev-internal-secret-change-me';
const gateway = createGatewayRuntime({
  supergraph: process.env.SUPERGRAPH_PATH!,
  transportEntries: { '*.http': { headers: [['x-shop-internal', secret]] } },
  logging: 'warn',
});
const server = createServer(gateway);
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`Hive Gateway at http://127.0.0.1:${process.env.PORT}/graphql`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
