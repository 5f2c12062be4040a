import { GraphQLError, isAbstractType, isInterfaceType, isObjectType, Kind, OperationTypeNode, parse, print, type FieldNode, type FragmentDefinitionNode, type GraphQLErrorOptions, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import { evaluateCondition, getResponseName, type FetchNode, type PlanNode, type QueryPlan, type QueryPlanFieldNode, type QueryPlanSelectionNode, type ResponsePath } from '@apollo/query-planner';
import { ERRORS, errorCodeDef, type Operation } from '@apollo/federation-internals';
import type { ApolloGateway, GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { hasOwn, UnsupportedOperation } from './shape.ts';

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

/** Fetches that rewrite their inputs or outputs (@interfaceObject, @context): left to Apollo's executor. */
const rewrites = (fetch: FetchNode) => !!(fetch.inputRewrites?.length || fetch.outputRewrites?.length || fetch.contextRewrites?.length);

export function compilePlan(plan: QueryPlan, operation: Operation, supergraphSchema: GraphQLSchema, options: { mergeFetches: boolean }): RunPlan {
  const root = plan.node;
  if (root?.kind === 'Subscription') throw new UnsupportedOperation('subscription');
  const step = root ? compileNode(root, { operation, schema: supergraphSchema, mergeFetches: options.mergeFetches }, []) : undefined;
  return async (ctx) => {
    const data: Data = {};
    if (step) await step(ctx, { data, fullResult: data });
    return data;
  };
}

interface Compilation {
  operation: Operation;
  /** The supergraph schema (entity type conditions). */
  schema: GraphQLSchema;
  /** Entity fetches of one Parallel node to the same subgraph go as one request (see mergeEntityFetches). */
  mergeFetches: boolean;
}

function compileNode(node: PlanNode, c: Compilation, where: Where): Step {
  switch (node.kind) {
    case 'Sequence': {
      const steps = node.nodes.map((n) => compileNode(n, c, where));
      return async (ctx, cursor) => {
        for (const step of steps) await step(ctx, cursor);
      };
    }
    case 'Parallel': {
      const steps = c.mergeFetches ? compileParallel(node.nodes, c, where) : node.nodes.map((n) => compileNode(n, c, where));
      return async (ctx, cursor) => {
        await Promise.all(steps.map((step) => step(ctx, cursor)));
      };
    }
    case 'Flatten': {
      const path = node.path;
      const step = compileNode(node.node, c, where.concat(path));
      return (ctx, cursor) => {
        const data = flattenAtPath(cursor.data, path);
        // As executeQueryPlan: nothing (null or missing) at the path, nothing to fetch; an empty list still goes on.
        if (!data) return;
        return step(ctx, { data: data as Data | Data[], fullResult: cursor.fullResult });
      };
    }
    case 'Fetch':
      return compileFetch(node, c.schema, where);
    case 'Condition': {
      const ifClause = node.ifClause ? compileNode(node.ifClause, c, where) : undefined;
      const elseClause = node.elseClause ? compileNode(node.elseClause, c, where) : undefined;
      return (ctx, cursor) => {
        const branch = evaluateCondition(node, c.operation.variableDefinitions, ctx.requestContext.request.variables) ? ifClause : elseClause;
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

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** What one entity fetch sends: its entities, their representations, its variables. */
interface Prepared {
  entities: Data[];
  representations: Data[];
  /** For each representation, the index of its entity. */
  entityOf: number[];
  variables: Data;
}

/** An entity fetch taken apart, so that several of them can go to their subgraph as one request (mergeEntityFetches). */
interface EntityFetch {
  fetch: FetchNode;
  /** Its entities and representations; undefined when there is nothing to fetch. */
  prepare(ctx: PlanContext, data: Data | Data[]): Prepared | undefined;
  /** A subgraph answer merged into the entities, its errors recorded with their paths in the response. */
  deliver(ctx: PlanContext, fullResult: Data, prepared: Prepared, response: SubgraphResponse): void;
  /** Its own operation sent with what `prepare` gave, and the answer delivered. */
  send(ctx: PlanContext, fullResult: Data, prepared: Prepared): Promise<void>;
}

function variablesFor(ctx: PlanContext, usages: readonly string[]): Data {
  const provided = ctx.requestContext.request.variables;
  const variables: Data = Object.create(null);
  for (const name of usages) {
    if (provided && hasOwn(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
  }
  return variables;
}

function nonNullEntities(data: Data | Data[]): Data[] {
  if (!Array.isArray(data)) return [data];
  const entities: Data[] = [];
  for (const entity of data) if (entity !== null && entity !== undefined) entities.push(entity);
  return entities;
}

function sendTo(ctx: PlanContext, serviceName: string, where: Where, query: string, operationName: string | undefined, variables: Data, document?: FetchNode['operationDocumentNode']): Promise<SubgraphResponse> {
  return ctx.services[serviceName]!.process({
    kind: INCOMING_OPERATION,
    request: { query, variables, operationName },
    incomingRequestContext: ctx.requestContext,
    context: ctx.requestContext.context,
    document,
    pathInIncomingRequest: where,
  });
}

/** A subgraph's errors for one fetch, as executeQueryPlan records them. */
function recordErrors(ctx: PlanContext, fetch: FetchNode, where: Where, fullResult: Data, response: SubgraphResponse): void {
  if (!response.errors) return;
  const errorPath = lazyErrorPaths(fetch, where, fullResult);
  for (const error of response.errors) ctx.errors.push(downstreamServiceError(error, fetch.serviceName, errorPath));
  if (!response.extensions?.ftv1) {
    const metrics = ctx.requestContext.metrics;
    const paths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
    if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
    else metrics.nonFtv1ErrorPaths = paths;
  }
}

function entityFetch(fetch: FetchNode, schema: GraphQLSchema, where: Where): EntityFetch {
  const representation = compileRequires(fetch.requires!, schema);
  const variableUsages = fetch.variableUsages ?? [];
  const self: EntityFetch = {
    fetch,
    prepare(ctx, data) {
      const entities = nonNullEntities(data);
      if (entities.length < 1) return undefined;
      const variables = variablesFor(ctx, variableUsages);
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
      if (representations.length < 1) return undefined;
      if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
      return { entities, representations, entityOf, variables };
    },
    deliver(ctx, fullResult, { entities, representations, entityOf }, response) {
      recordErrors(ctx, fetch, where, fullResult, response);
      const data = response.data as Data | null | undefined;
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
    },
    async send(ctx, fullResult, prepared) {
      const variables = { ...prepared.variables, representations: prepared.representations };
      const response = await sendTo(ctx, fetch.serviceName, where, fetch.operation, fetch.operationName, variables, fetch.operationDocumentNode);
      self.deliver(ctx, fullResult, prepared, response);
    },
  };
  return self;
}

function compileFetch(fetch: FetchNode, schema: GraphQLSchema, where: Where): Step {
  if (rewrites(fetch)) throw new UnsupportedOperation('fetch with data rewrites');
  const serviceName = fetch.serviceName;
  const variableUsages = fetch.variableUsages ?? [];
  const entity = fetch.requires ? entityFetch(fetch, schema, where) : undefined;

  return async (ctx, cursor) => {
    try {
      if (!ctx.services[serviceName]) throw new Error(`Couldn't find service with name "${serviceName}"`);
      if (entity) {
        const prepared = entity.prepare(ctx, cursor.data);
        if (prepared) await entity.send(ctx, cursor.fullResult, prepared);
        return;
      }
      const entities = nonNullEntities(cursor.data);
      if (entities.length < 1) return;
      const response = await sendTo(ctx, serviceName, where, fetch.operation, fetch.operationName, variablesFor(ctx, variableUsages), fetch.operationDocumentNode);
      recordErrors(ctx, fetch, where, cursor.fullResult, response);
      const data = response.data as Data | null | undefined;
      for (const entity of entities) merge(entity, data);
    } catch (error) {
      ctx.errors.push(error as GraphQLError);
    }
  };
}

/**
 * A Parallel node's children, where entity fetches to the same subgraph become one step that sends
 * them as one request; the others as they are. Each group takes its first member's place.
 */
function compileParallel(nodes: PlanNode[], c: Compilation, where: Where): Step[] {
  // Entity fetches by subgraph; only groups of two or more are compiled for merging.
  const bySubgraph = new Map<string, { index: number; path: ResponsePath; fetch: FetchNode }[]>();
  nodes.forEach((node, index) => {
    if (node.kind !== 'Flatten' || node.node.kind !== 'Fetch') return;
    const fetch = node.node;
    if (!fetch.requires || rewrites(fetch)) return;
    const group = bySubgraph.get(fetch.serviceName) ?? [];
    group.push({ index, path: node.path, fetch });
    bySubgraph.set(fetch.serviceName, group);
  });
  const merged = new Map<number, Step>();
  const absorbed = new Set<number>();
  for (const candidates of bySubgraph.values()) {
    if (candidates.length < 2) continue;
    const group = candidates.flatMap(({ index, path, fetch }) => {
      const query = entitiesQuery(fetch);
      return query ? [{ index, path, query, entity: entityFetch(fetch, c.schema, where.concat(path)) }] : [];
    });
    if (group.length < 2) continue;
    const step = mergeEntityFetches(group, where);
    if (!step) continue;
    merged.set(group[0]!.index, step);
    for (const m of group.slice(1)) absorbed.add(m.index);
  }
  return nodes.flatMap((node, index) => (absorbed.has(index) ? [] : [merged.get(index) ?? compileNode(node, c, where)]));
}

/** One entity fetch of a Parallel node, below its Flatten `path`, that could go in a merged request. */
interface MergeMember {
  path: ResponsePath;
  entity: EntityFetch;
  query: EntitiesQuery;
}

/** A fetch operation that is one `_entities(representations: $representations)` query, parsed. */
interface EntitiesQuery {
  operation: OperationDefinitionNode;
  fragments: FragmentDefinitionNode[];
}

function entitiesQuery(fetch: FetchNode): EntitiesQuery | undefined {
  const document = parse(fetch.operation);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || operation!.operation !== OperationTypeNode.QUERY || operation!.directives?.length) return undefined;
  const [field, ...rest] = operation!.selectionSet.selections;
  if (rest.length || field?.kind !== Kind.FIELD || field.name.value !== '_entities' || field.alias || field.directives?.length) return undefined;
  const [argument, ...more] = field.arguments ?? [];
  if (more.length || argument?.name.value !== 'representations' || argument.value.kind !== Kind.VARIABLE || argument.value.name.value !== 'representations') return undefined;
  return { operation: operation!, fragments };
}

/**
 * Several entity fetches of one Parallel node, to the same subgraph, sent as one request: one query
 * whose `_entities` fields are aliased `_entities0`, `_entities1`… with their own representations
 * variables. The query planner plans each entity type at each path as its own fetch, so a product
 * page asks inventory twice at once (the product's availability, its variants' stock); one request
 * instead saves the gateway and the subgraph an HTTP exchange and a GraphQL execution each, and lets
 * the subgraph batch both in one request scope.
 *
 * Each member still works out its own entities and representations, and receives its own answer and
 * its own errors (an error's path `_entitiesN.…` is given back to member N as `_entities.…`; an error
 * without such a path, or a failed request, goes to every member sent, as separate requests would
 * each have failed). When only one member has something to fetch, its own operation is sent as is.
 * Undefined when the operations cannot be combined (same variable or fragment name meaning two things).
 */
function mergeEntityFetches(members: MergeMember[], where: Where): Step | undefined {
  const variableDefinitions = new Map<string, VariableDefinitionNode>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  const fields: FieldNode[] = [];
  const repsName = (i: number) => `representations${i}`;
  for (const [i, { query }] of members.entries()) {
    for (const definition of query.operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      if (name === 'representations') continue;
      const known = variableDefinitions.get(name);
      if (known ? print(known) !== print(definition) : /^representations\d+$/.test(name)) return undefined;
      variableDefinitions.set(name, definition);
    }
    for (const fragment of query.fragments) {
      const known = fragments.get(fragment.name.value);
      if (known && print(known) !== print(fragment)) return undefined;
      fragments.set(fragment.name.value, fragment);
    }
    const field = query.operation.selectionSet.selections[0] as FieldNode;
    fields.push({
      ...field,
      alias: { kind: Kind.NAME, value: `_entities${i}` },
      arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'representations' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: repsName(i) } } }],
    });
  }
  const first = members[0]!;
  const representationsType = first.query.operation.variableDefinitions!.find((d) => d.variable.name.value === 'representations')!.type;
  const operationName = `${first.entity.fetch.operationName ?? 'entities'}__merged`;
  const query = print({
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: { kind: Kind.NAME, value: operationName },
        variableDefinitions: [...variableDefinitions.values(), ...members.map((_, i) => ({ kind: Kind.VARIABLE_DEFINITION, variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: repsName(i) } }, type: representationsType }) as VariableDefinitionNode)],
        selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
      },
      ...fragments.values(),
    ],
  });
  const serviceName = first.entity.fetch.serviceName;

  return async (ctx, cursor) => {
    if (!ctx.services[serviceName]) {
      for (const _ of members) ctx.errors.push(new Error(`Couldn't find service with name "${serviceName}"`) as GraphQLError);
      return;
    }
    const prepared: (Prepared | undefined)[] = members.map(({ path, entity }) => {
      try {
        const data = flattenAtPath(cursor.data, path);
        return data ? entity.prepare(ctx, data as Data | Data[]) : undefined;
      } catch (error) {
        ctx.errors.push(error as GraphQLError);
        return undefined;
      }
    });
    const sent = members.flatMap((_, i) => (prepared[i] ? [i] : []));
    if (sent.length === 0) return;
    if (sent.length === 1) {
      const i = sent[0]!;
      try {
        await members[i]!.entity.send(ctx, cursor.fullResult, prepared[i]!);
      } catch (error) {
        ctx.errors.push(error as GraphQLError);
      }
      return;
    }

    const variables: Data = Object.create(null);
    members.forEach((_, i) => {
      const p = prepared[i];
      if (p) Object.assign(variables, p.variables);
      variables[repsName(i)] = p ? p.representations : [];
    });
    let response: SubgraphResponse;
    try {
      response = await sendTo(ctx, serviceName, where, query, operationName, variables);
    } catch (error) {
      for (let n = 0; n < sent.length; n++) ctx.errors.push(error as GraphQLError);
      return;
    }
    for (const i of sent) {
      try {
        members[i]!.entity.deliver(ctx, cursor.fullResult, prepared[i]!, memberResponse(response, i));
      } catch (error) {
        ctx.errors.push(error as GraphQLError);
      }
    }
  };
}

/**
 * Member `i`'s part of a merged request's answer, as its own request would have had it: its
 * `_entities<i>` as `_entities`, the errors whose path starts there (the path made to start at
 * `_entities`), and the errors of no member in particular (no path, or another root).
 */
export function memberResponse(response: SubgraphResponse, i: number): SubgraphResponse {
  const data = response.data as Data | null | undefined;
  const errors = response.errors?.flatMap((error) => {
    const head = error.path?.[0];
    if (typeof head === 'string' && /^_entities\d+$/.test(head)) return head === `_entities${i}` ? [{ ...error, path: ['_entities', ...error.path!.slice(1)] }] : [];
    return [error];
  });
  return { ...response, data: data ? { _entities: data[`_entities${i}`] } : data, errors: errors?.length ? errors : undefined };
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
