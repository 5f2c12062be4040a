import { WebSocketServer } from 'ws';
import { handleProtocols, CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, parse, validate, getOperationAST, specifiedRules, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { Gauge, Counter } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Logger, Metrics } from '@shop/platform';
import { BffError, BffErrorCode, formatBffError } from '../errors.ts';
import { LiveLimits } from './protocol.ts';

/** What a socket proved in connection_init. */
export interface LiveViewer {
  userId: string;
  authorization: string;
}

export interface LiveSocket {
  viewer: LiveViewer | undefined;
  /** Ends the socket with a protocol close code (e.g. 4403 for a subscription that needs a token). */
  close(code: number, reason: string): void;
}

export interface LiveServerOptions<TContext> {
  app: FastifyInstance;
  /** The BFF's executable schema (its Subscription fields carry subscribe functions). */
  schema: GraphQLSchema;
  /** @default '/graphql' */
  path?: string;
  logger: Logger;
  metrics: Metrics;
  production: boolean;
  /** Checks the token of connection_init; undefined when it is not valid. */
  verify: (authorization: string) => Promise<LiveViewer | undefined>;
  context: (socket: LiveSocket) => TContext;
  /** @default LiveLimits.maxSubscriptionsPerSocket */
  maxSubscriptionsPerSocket?: number;
  /** @default LiveLimits.keepAliveMs */
  keepAliveMs?: number;
  /** @default LiveLimits.connectionInitWaitMs */
  connectionInitWaitMs?: number;
}

type Extra = {
  live?: LiveSocket;
};

/**
 * The graphql-ws adapter: a `ws` server on the BFF's own HTTP port and path
 * (upgrade requests), speaking graphql-transport-ws. Only subscriptions run
 * here; queries and mutations belong to HTTP. The BFF's shutdown closes every
 * socket with 1001 before the HTTP server stops.
 */
export function attachLiveServer<TContext>(opts: LiveServerOptions<TContext>): { dispose(): Promise<void> } {
  const path = opts.path ?? '/graphql';
  const maxSubscriptions = opts.maxSubscriptionsPerSocket ?? LiveLimits.maxSubscriptionsPerSocket;
  const sockets = new Gauge({ name: 'shop_live_sockets', help: 'Open graphql-ws sockets', registers: [opts.metrics.registry] });
  const subscriptions = new Gauge({ name: 'shop_live_subscriptions', help: 'Open live subscriptions', registers: [opts.metrics.registry] });
  const refused = new Counter({ name: 'shop_live_refused_total', help: 'Live subscriptions refused, by reason', labelNames: ['reason'], registers: [opts.metrics.registry] });

  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => handleProtocols(protocols), maxPayload: 64 * 1024 });
  opts.app.server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws) => {
    sockets.inc();
    ws.once('close', () => sockets.dec());
  });
  const format = (error: GraphQLError) => {
    const out = formatBffError(error);
    if (out.unexpected) opts.logger.error({ err: error.originalError ?? error }, 'live subscription failed');
    return out.formatted;
  };
  const rules = opts.production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: opts.schema,
      connectionInitWaitTimeout: opts.connectionInitWaitMs ?? LiveLimits.connectionInitWaitMs,
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization;
        const socket = ctx.extra.socket;
        const live: LiveSocket = { viewer: undefined, close: (code, reason) => socket.close(code, reason) };
        ctx.extra.live = live;
        if (given === undefined || given === null || given === '') return true;
        if (typeof given !== 'string') return false;
        live.viewer = await opts.verify(given);
        // A token that does not verify is refused at once (4403), not carried along anonymously.
        return live.viewer !== undefined;
      },
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has already registered this subscription's id when it asks: count the others.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          refused.inc({ reason: 'subscriptions_per_socket' });
          return [new BffError(BffErrorCode.BAD_USER_INPUT, `At most ${maxSubscriptions} subscriptions at once on one socket`)];
        }
        let document;
        try {
          // No token locations: a document lives as long as its subscription (about 10 KB a socket saved).
          document = parse(payload.query, { noLocation: true });
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = validate(opts.schema, document, rules);
        if (errors.length) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: BffErrorCode.GRAPHQL_VALIDATION_FAILED } }));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('No operation to run', { extensions: { code: BffErrorCode.GRAPHQL_VALIDATION_FAILED } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions run over the live socket; send queries and mutations over HTTP', { extensions: { code: BffErrorCode.GRAPHQL_VALIDATION_FAILED } })];
        }
        return { schema: opts.schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue: opts.context(ctx.extra.live!) as never };
      },
      onOperation: () => {
        subscriptions.inc();
      },
      onComplete: () => {
        subscriptions.dec();
      },
      // Errors reach clients in the BFF's own shape, as over HTTP: a code from the list, never a stack or an upstream message.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return undefined;
        return { ...result, errors: result.errors.map((e) => format(e as GraphQLError)) };
      },
      // onSubscribe's own refusals (limits, validation, parse errors of the client's document) already carry their code.
    },
    wss,
    opts.keepAliveMs ?? LiveLimits.keepAliveMs,
  );
  return {
    dispose: async () => {
      await server.dispose();
    },
  };
}


