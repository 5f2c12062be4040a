/**
 * Stock `@apollo/gateway` for the `gateways` scenario: default settings (its own
 * make-fetch-happen HTTP client, default query plan cache) on @apollo/server's
 * standalone server. The only addition is the header every subgraph of this
 * project requires (the internal credential); without it no request would pass.
 *
 *   PORT=4481 SUPERGRAPH_PATH=… INTERNAL_SECRET=… node --import tsx bench/gateways/apollo-stock.ts
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const secret = process.env.INTERNAL_SECRET ?? 'dev-internal-secret-change-me';
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
  buildService: ({ url }) =>
    new (class extends RemoteGraphQLDataSource {
      override willSendRequest({ request }: Parameters<NonNullable<RemoteGraphQLDataSource['willSendRequest']>>[0]) {
        request.http?.headers.set('x-shop-internal', secret);
      }
    })({ url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(process.env.PORT) } });
console.log(`stock @apollo/gateway at ${url}`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
