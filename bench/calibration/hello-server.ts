/**
 * The calibration scenario's Node hello world: node:http alone, with the handler of fastify/benchmarks'
 * `node-http` server (a small JSON body), so that its req/s can be set beside published figures for the
 * same server. Listens on 127.0.0.1:PORT (0, the default: any free port) and prints `{"port":…}` as its
 * first line once it listens, so that the scenario needs no port of its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ hello: 'world' }));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});

// The scenario stops it with SIGTERM; close the listener so that the exit is clean rather than a kill.
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
