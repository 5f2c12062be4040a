import { getVariableValues, GraphQLError, Kind, type DocumentNode, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlanner } from '@apollo/query-planner';
import { buildOperationContext, type ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import type { Logger } from '@shop/platform';
import { compileShaper, UnsupportedOperation, type Shaper } from './shape.ts';
import { compilePlan, type GatewayRequestContext, type PlanContext, type RunPlan } from './plan.ts';

type GatewayExecutor = ApolloGateway['executor'];
type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;

interface CompiledOperation {
  run: RunPlan;
  shape: Shaper;
  variableDefinitions: VariableDefinitionNode[] | undefined;
}

/** Operations this executor leaves to Apollo's (introspection, @defer, @interfaceObject rewrites…, or planning errors). */
const APOLLO = 'apollo' as const;

interface SupergraphState {
  /** ApolloGateway's own planner (and through it, its supergraph), not a second one built beside it. */
  planner: QueryPlanner;
  /** The API schema as federation-internals models it: what operations are planned and shaped against. */
  api: Schema;
  /** The API schema as ApolloGateway hands it to Apollo Server: what variables are checked against. */
  graphqlApi: GraphQLSchema;
  /** The supergraph schema: entity type conditions in `requires` are tested against it (it knows @inaccessible types). */
  supergraph: GraphQLSchema;
}

export interface PlanExecutorOptions {
  logger: Logger;
  /** Subgraph data sources by name, as the gateway's `buildService` created them. */
  services: Readonly<Record<string, GraphQLDataSource>>;
  /** Called once per operation executed, with who executed it (fallbacks to Apollo's executor included). */
  onExecute?: (executor: 'own' | 'apollo') => void;
  /** Entity fetches of one parallel stage to the same subgraph go as one request. @default true */
  mergeFetches?: boolean;
  /** @default 1_000 // operations (document and operation name) whose plan and shaping are kept compiled */
  operationCacheSize?: number;
}

/**
 * @apollo/gateway with an executor of this project's own for the query plans
 * its planner makes. ApolloGateway still loads the supergraph, builds the
 * subgraph data sources, hands Apollo Server the schema and runs whatever
 * this executor does not (see CompiledOperation's fallbacks); its own
 * QueryPlanner plans every operation.
 *
 * Per operation (once, then cached by document hash and operation name): the
 * plan, the plan made into closures (plan.ts) and the response shaping made
 * into a walk over plain steps (shape.ts). Per request: variables checked as
 * ApolloGateway checks them, the closures run, the data shaped. The
 * profile of ApolloGateway showed its per-request work outside the subgraph
 * calls (an Operation rebuilt from the document for every request, shaping
 * through federation-internals getters, null-prototype objects, trace nodes)
 * as the largest part of the gateway's CPU on large responses.
 */
export class PlanExecutingGateway {
  private state: SupergraphState | undefined;
  private apolloExecutor: GatewayExecutor | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly operations: LRUCache<string, CompiledOperation | typeof APOLLO>;
  private readonly recursiveSelectionsLimitDisabled = process.env.APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK === 'true';
  private readonly nonLocalSelectionsLimitDisabled = process.env.APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK === 'true';

  constructor(
    private readonly gateway: ApolloGateway,
    private readonly options: PlanExecutorOptions,
  ) {
    this.operations = new LRUCache({ max: options.operationCacheSize ?? 1_000 });
  }

  onSchemaLoadOrUpdate(callback: Parameters<ApolloGateway['onSchemaLoadOrUpdate']>[0]): () => void {
    return this.gateway.onSchemaLoadOrUpdate(callback);
  }

  async load(options: Parameters<ApolloGateway['load']>[0]): Promise<{ executor: GatewayExecutor }> {
    // Registered before ApolloGateway loads, so the first supergraph reaches it too.
    this.unsubscribe ??= this.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => this.update(apiSchema));
    const { executor } = await this.gateway.load(options);
    if (!executor) throw new Error('ApolloGateway loaded without an executor');
    this.apolloExecutor = executor;
    return { executor: this.executor };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.gateway.stop();
  }

  private apollo(requestContext: Parameters<GatewayExecutor>[0]): ReturnType<GatewayExecutor> {
    this.options.onExecute?.('apollo');
    return this.apolloExecutor!(requestContext);
  }

  /**
   * On every supergraph ApolloGateway loads (its listeners are told after it has built its planner): that
   * planner, whose supergraph also gives the API schema (memoized) and the supergraph as a graphql-js schema.
   * `__testing()` is ApolloGateway's only public way to it; a version that drops it fails here, at start.
   */
  private update(graphqlApi: GraphQLSchema): void {
    const planner = this.gateway.__testing().queryPlanner;
    if (!planner) throw new Error('ApolloGateway reported a supergraph without a query planner');
    this.state = { planner, api: planner.supergraph.apiSchema(), graphqlApi, supergraph: planner.supergraph.schema.toGraphQLJSSchema() };
    this.operations.clear();
  }

  readonly executor: GatewayExecutor = async (requestContext) => {
    const state = this.state;
    // Studio traces are built by Apollo's executor only.
    if (!state || requestContext.metrics?.captureTraces) return this.apollo(requestContext);
    const { request, queryHash } = requestContext;
    const key = request.operationName ? `${queryHash}\u0000${request.operationName}` : queryHash;
    let compiled = this.operations.get(key);
    if (!compiled) {
      compiled = this.compile(state, requestContext.document, request.operationName);
      this.operations.set(key, compiled);
    }
    if (compiled === APOLLO) return this.apollo(requestContext);
    this.options.onExecute?.('own');

    // As ApolloGateway: the variables' values are checked before anything is fetched.
    if (compiled.variableDefinitions) {
      const { errors } = getVariableValues(state.graphqlApi, compiled.variableDefinitions, request.variables || {});
      if (errors) return { errors };
    }
    return execute(compiled, requestContext, this.options.services);
  };

  /** The operation planned and compiled, or APOLLO when Apollo's executor is to run it (its answer, errors included, is then Apollo's own). */
  private compile(state: SupergraphState, document: DocumentNode, operationName: string | undefined): CompiledOperation | typeof APOLLO {
    try {
      const { operation, fragments } = buildOperationContext({ schema: state.graphqlApi, operationDocument: document, operationName });
      const planned = operationFromDocument(state.api, document, { operationName });
      const plan = state.planner.buildQueryPlan(planned, {
        recursiveSelectionsLimitDisabled: this.recursiveSelectionsLimitDisabled,
        nonLocalSelectionsLimitDisabled: this.nonLocalSelectionsLimitDisabled,
      });
      // Shaped against the operation as executeQueryPlan builds it: the operation and the fragments, not validated again.
      const shaped = operationFromDocument(state.api, { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] }, { validate: false });
      return {
        run: compilePlan(plan, shaped, state.supergraph, { mergeFetches: this.options.mergeFetches ?? true }),
        shape: compileShaper(shaped),
        variableDefinitions: operation.variableDefinitions?.length ? [...operation.variableDefinitions] : undefined,
      };
    } catch (err) {
      if (!(err instanceof UnsupportedOperation)) this.options.logger.debug({ err, operationName }, 'operation left to apollo executor');
      return APOLLO;
    }
  }
}

async function execute(compiled: CompiledOperation, requestContext: GatewayRequestContext, services: Readonly<Record<string, GraphQLDataSource>>): Promise<ExecutionResult> {
  const ctx: PlanContext = { requestContext, services, errors: [] };
  const input = await compiled.run(ctx);
  const { errors } = ctx;
  try {
    const { data, errors: shapingErrors } = compiled.shape(input, requestContext.request.variables);
    // As executeQueryPlan: shaping errors after a clean execution go to extensions.valueCompletion, not errors;
    // after a failed one they are consequences of it and are dropped.
    if (errors.length === 0 && shapingErrors.length > 0) return { extensions: { valueCompletion: shapingErrors }, data };
    return errors.length === 0 ? { data } : { errors, data };
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
    requestContext.logger.error(`Unexpected error during query plan execution: ${String(error)}`);
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
}
