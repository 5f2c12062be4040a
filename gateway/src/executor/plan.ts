import { GraphQLError, isAbstractType, isInterfaceType, isObjectType, type GraphQLErrorOptions, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { evaluateCondition, getResponseName, type FetchNode, type PlanNode, type QueryPlan, type QueryPlanFieldNode, type QueryPlanSelectionNode, type ResponsePath } from '@apollo/query-planner';
import { ERRORS, errorCodeDef, type Operation } from '@apollo/federation-internals';
import type { ApolloGateway, GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { UnsupportedOperation } from './shape.ts';

/**
 * A query plan from @apollo/query-planner made into closures once per
 * operation, and run per request: fetches in sequence or in parallel, each
 * entity fetch's representations built from the entities at its path, each
 * answer merged into the data in place.
 *
 * It does what @apollo/gateway's executeQueryPlan does with a plan, in the
 * same order and with the same errors (the subgraph's, with their paths made
 * to point into the client's response, and DOWNSTREAM_SERVICE_ERROR for those
 * without a code), and the same data for the shaping step to read. What it
 * leaves out is per-request work that answers nothing: a protobuf trace node
 * per plan node when no trace is wanted, an OpenTelemetry span per node, the
 * `requires` selections interpreted afresh for every entity, null-prototype
 * objects. Plans it does not run (`@defer`, subscriptions, fetches that
 * rewrite their inputs or outputs for @interfaceObject or @context) throw
 * UnsupportedOperation when compiled, and the operation goes to Apollo's
 * executor instead.
 */
export type RunPlan = (ctx: PlanContext) => Promise<Record<string, unknown>>;

export interface PlanContext {
  requestContext: GatewayRequestContext;
  services: Readonly<Record<string, GraphQLDataSource>>;
  errors: GraphQLError[];
}

type Data = Record<string, unknown>;
/** GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported from @apollo/gateway's index). */
const INCOMING_OPERATION = 'incoming operation' as Extract<GraphQLDataSourceProcessOptions, { incomingRequestContext: unknown }>['kind'];
export type GatewayRequestContext = Parameters<ApolloGateway['executor']>[0];

interface Cursor {
  data: Data | Data[];
  fullResult: Data;
}

type Step = (ctx: PlanContext, cursor: Cursor) => Promise<void> | void;
/** Where a plan node's data sits in the response: known when the plan is compiled (the Flatten paths above it). */
type Where = ResponsePath;

const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

export function compilePlan(plan: QueryPlan, operation: Operation, supergraphSchema: GraphQLSchema): RunPlan {
  const root = plan.node;
  if (root?.kind === 'Subscription') throw new UnsupportedOperation('subscription');
  const step = root ? compileNode(root, operation, supergraphSchema, []) : undefined;
  return async (ctx) => {
    const data: Data = {};
    if (step) await step(ctx, { data, fullResult: data });
    return data;
  };
}

function compileNode(node: PlanNode, operation: Operation, schema: GraphQLSchema, where: Where): Step {
  switch (node.kind) {
    case 'Sequence': {
      const steps = node.nodes.map((n) => compileNode(n, operation, schema, where));
      return async (ctx, cursor) => {
        for (const step of steps) await step(ctx, cursor);
      };
    }
    case 'Parallel': {
      const steps = node.nodes.map((n) => compileNode(n, operation, schema, where));
      return async (ctx, cursor) => {
        await Promise.all(steps.map((step) => step(ctx, cursor)));
      };
    }
    case 'Flatten': {
      const path = node.path;
      const step = compileNode(node.node, operation, schema, where.concat(path));
      return (ctx, cursor) => {
        const data = flattenAtPath(cursor.data, path);
        // As executeQueryPlan: nothing (null or missing) at the path, nothing to fetch; an empty list still goes on.
        if (!data) return;
        return step(ctx, { data: data as Data | Data[], fullResult: cursor.fullResult });
      };
    }
    case 'Fetch':
      return compileFetch(node, schema, where);
    case 'Condition': {
      const ifClause = node.ifClause ? compileNode(node.ifClause, operation, schema, where) : undefined;
      const elseClause = node.elseClause ? compileNode(node.elseClause, operation, schema, where) : undefined;
      return (ctx, cursor) => {
        const branch = evaluateCondition(node, operation.variableDefinitions, ctx.requestContext.request.variables) ? ifClause : elseClause;
        return branch?.(ctx, cursor);
      };
    }
    case 'Defer':
      throw new UnsupportedOperation('@defer');
  }
}

/**
 * flattenResultsAtPath of executeQueryPlan: the value at `path` from `value`; past a list (`@`), every
 * element's value in one flat list (nulls included: a fetch leaves them out). Appends to one list
 * instead of flatMap's list per level.
 */
function flattenAtPath(value: unknown, path: ResponsePath): unknown {
  for (let index = 0; index < path.length; index++) {
    if (value === undefined || value === null) return value;
    const current = path[index];
    if (current === '@') {
      const out: unknown[] = [];
      collectElements(value as unknown[], path, index + 1, out);
      return out;
    }
    value = step(value, current!);
  }
  return value;
}

function collectElements(list: unknown[], path: ResponsePath, index: number, out: unknown[]): void {
  for (const element of list) {
    let value = element;
    let i = index;
    for (; i < path.length; i++) {
      if (value === undefined || value === null) break;
      const current = path[i];
      if (current === '@') {
        collectElements(value as unknown[], path, i + 1, out);
        break;
      }
      value = step(value, current!);
    }
    if (i === path.length || value === undefined || value === null) {
      // As flatMap: a list at the end of the path is spread into the result.
      if (Array.isArray(value)) for (const v of value) out.push(v);
      else out.push(value);
    }
  }
}

function step(value: unknown, key: string | number): unknown {
  if (typeof key !== 'string') throw new Error(`Unexpected ${typeof key} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${key}`);
  return hasOwn(value as object, key) ? (value as Data)[key] : undefined;
}

function compileFetch(fetch: FetchNode, schema: GraphQLSchema, where: Where): Step {
  if (fetch.inputRewrites?.length || fetch.outputRewrites?.length || fetch.contextRewrites?.length) throw new UnsupportedOperation('fetch with data rewrites');
  const representation = fetch.requires ? compileRequires(fetch.requires, schema) : undefined;
  const variableUsages = fetch.variableUsages ?? [];
  const serviceName = fetch.serviceName;

  async function send(ctx: PlanContext, cursor: Cursor, variables: Data): Promise<Data | null | undefined> {
    const service = ctx.services[serviceName]!;
    const response = await service.process({
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: ctx.requestContext,
      context: ctx.requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: where,
    });
    if (response.errors) {
      const errorPath = lazyErrorPaths(fetch, where, cursor.fullResult);
      for (const error of response.errors) ctx.errors.push(downstreamServiceError(error, serviceName, errorPath));
      if (!response.extensions?.ftv1) {
        const metrics = ctx.requestContext.metrics;
        const paths = response.errors.map((error) => ({ subgraph: serviceName, path: error.path }));
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
        else metrics.nonFtv1ErrorPaths = paths;
      }
    }
    return response.data as Data | null | undefined;
  }

  return async (ctx, cursor) => {
    try {
      if (!ctx.services[serviceName]) throw new Error(`Couldn't find service with name "${serviceName}"`);
      let entities: Data[];
      if (Array.isArray(cursor.data)) {
        entities = [];
        for (const entity of cursor.data) if (entity !== null && entity !== undefined) entities.push(entity);
      } else {
        entities = [cursor.data];
      }
      if (entities.length < 1) return;

      const provided = ctx.requestContext.request.variables;
      const variables: Data = Object.create(null);
      for (const name of variableUsages) {
        if (provided && hasOwn(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
      }

      if (!representation) {
        const data = await send(ctx, cursor, variables);
        for (const entity of entities) merge(entity, data);
        return;
      }

      const representations: Data[] = [];
      const entityOf: number[] = [];
      for (let i = 0; i < entities.length; i++) {
        const rep = representation(entities[i]!);
        if (rep && rep.__typename) {
          representations.push(rep);
          entityOf.push(i);
        }
      }
      // The type conditions of `requires` matched none of the entities.
      if (representations.length < 1) return;
      if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);

      const data = await send(ctx, cursor, { ...variables, representations });
      if (!data) return;
      const received = data._entities;
      if (!(received && Array.isArray(received))) throw new Error(`Expected "data._entities" in response to be an array`);
      if (received.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      for (let i = 0; i < received.length; i++) {
        const entity = entities[entityOf[i]!]!;
        const answer = received[i] as Data | null;
        if (answer && !answer.__typename) answer.__typename = entity.__typename;
        merge(entity, answer);
      }
    } catch (error) {
      ctx.errors.push(error as GraphQLError);
    }
  };
}

type Representation = (source: unknown) => Data | null;

/** executeSelectionSet of executeQueryPlan for one fetch's `requires`, compiled once. */
function compileRequires(selections: QueryPlanSelectionNode[], schema: GraphQLSchema): Representation {
  const isOfType = typeConditionTester(schema);
  const steps = selections.map((selection) => {
    if (selection.kind === 'Field') {
      const name = getResponseName(selection as QueryPlanFieldNode);
      if (name === '__proto__') throw new UnsupportedOperation('__proto__ in requires');
      const sub = (selection as QueryPlanFieldNode).selections;
      return { field: true as const, name, sub: sub ? compileRequires(sub, schema) : undefined };
    }
    return { field: false as const, typeCondition: selection.typeCondition, sub: compileRequires(selection.selections, schema) };
  });

  const run: Representation = (source) => {
    if (source === null) return null;
    const result: Data = {};
    for (const step of steps) {
      if (step.field) {
        const value = hasOwn(source as object, step.name) ? (source as Data)[step.name] : undefined;
        // An input missing: it failed to be fetched and the entity was dropped. No representation for it.
        if (value === undefined) return null;
        const sub = step.sub;
        if (Array.isArray(value)) result[step.name] = sub ? value.map(sub) : value.slice();
        else result[step.name] = sub ? sub(value) : value;
      } else {
        if (!step.typeCondition || !source) continue;
        if (isOfType(source as Data, step.typeCondition)) merge(result, step.sub(source));
      }
    }
    return result;
  };
  return run;
}

/** isObjectOfType of @apollo/gateway's dataRewrites.ts, remembered by type name and condition. */
function typeConditionTester(schema: GraphQLSchema): (object: Data, typeCondition: string) => boolean {
  const memo = new Map<string, boolean>();
  return (object, typeCondition) => {
    const typename = object.__typename;
    if (!typename) return false;
    if (typeCondition === typename) return true;
    if (typeof typename !== 'string') return false;
    const key = `${typename}\u0000${typeCondition}`;
    let result = memo.get(key);
    if (result === undefined) {
      const type = schema.getType(typename);
      const condition = schema.getType(typeCondition);
      result = !!type && !!condition && isAbstractType(condition) && (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type);
      if (type) memo.set(key, result);
    }
    return result;
  };
}

const isObject = (value: unknown): value is Data => value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);

/** deepMerge of @apollo/gateway: the source's fields into the target, lists of the same length element by element. */
function merge(target: Data, source: Data | null | undefined): void {
  if (source === undefined || source === null) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    const existing = hasOwn(target, key) ? target[key] : undefined;
    if (existing && isObject(value)) {
      merge(existing as Data, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) merge(existing[i] as Data, value[i] as Data);
        else existing[i] = value[i];
      }
    } else if (key === '__proto__') {
      Object.defineProperty(target, key, { value, configurable: true, enumerable: true, writable: true });
    } else {
      target[key] = value;
    }
  }
}

type ErrorPath = (path: GraphQLErrorOptions['path']) => GraphQLErrorOptions['path'];

/** A subgraph error's path, made to point into the client's response (entity index to the entity's own path), computed only if an error comes. */
function lazyErrorPaths(fetch: FetchNode, where: Where, fullResult: Data): ErrorPath {
  let hydrated: (string | number)[][] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydrated) {
        hydrated = [];
        hydratePaths([], where, fullResult, hydrated);
      }
      return [...(hydrated[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...where, ...errorPath.slice()] : undefined;
  };
}

function hydratePaths(parent: (string | number)[], path: ResponsePath, data: unknown, result: (string | number)[][]): void {
  const head = path[0];
  if (data == null) return;
  if (head == null) {
    result.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) throw new Error('expected array when encountering `@`');
    data.forEach((value, i) => {
      parent.push(i);
      hydratePaths(parent, path.slice(1), value, result);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value, i) => {
        parent.push(i);
        hydratePaths(parent, path, value, result);
        parent.pop();
      });
    } else if (hasOwn(data as object, head)) {
      parent.push(head);
      hydratePaths(parent, path.slice(1), (data as Data)[head], result);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${String(head)}"`);
  }
}

/** A subgraph's error as the client sees it: its message and code (DOWNSTREAM_SERVICE_ERROR if it has none), the subgraph's name, the path in the response. */
function downstreamServiceError(original: GraphQLFormattedError, serviceName: string, errorPath: ErrorPath): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options: GraphQLErrorOptions = {
    originalError: original as Error,
    path: errorPath(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
