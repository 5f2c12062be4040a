import {
  ERRORS,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isSubtype,
  isValidLeafValue,
  Variable,
  typenameFieldName,
  type EnumType,
  type Operation,
  type OutputType,
  type ScalarType,
  type Schema,
  type SelectionSet,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * The final step of a federated request: out of the data the query plan's
 * fetches merged together (more fields than asked for: keys, `__typename`,
 * `@requires` inputs; in whatever order they arrived), the response the
 * operation asked for, in its order, with nulls bubbled up to the nearest
 * nullable field.
 *
 * This is `computeResponse` from @apollo/gateway's resultShaping.ts, step for
 * step and with the same errors, with the work that depends only on the
 * operation done once per operation instead of once per request: which
 * selection is a field or a fragment, each field's type wrapped in lists and
 * non-nulls, its @skip/@include, which type conditions match which type
 * names, how each leaf type checks its values. Per request it walks plain
 * objects: no federation-internals Operation built from the document, no
 * getters, no null-prototype (dictionary-mode) objects.
 */
export type Shaper = (input: Record<string, unknown>, variables: Record<string, unknown> | undefined) => { data: Record<string, unknown> | null; errors: GraphQLError[] };

type IfArgument = boolean | { variable: string };
interface Conditions {
  skip: IfArgument | undefined;
  include: IfArgument | undefined;
}

const enum Kind {
  NonNull,
  List,
  Composite,
  Leaf,
}

type TypeStep =
  | { kind: Kind.NonNull; of: TypeStep; display: string }
  | { kind: Kind.List; of: TypeStep; display: string }
  | { kind: Kind.Composite; name: string; display: string }
  | { kind: Kind.Leaf; check: (value: unknown) => boolean; display: string };

interface FieldStep {
  field: true;
  conditions: Conditions | undefined;
  responseName: string;
  /** A response name Object.prototype also has (`constructor`, `toString`…): read it as an own property only. */
  inherited: boolean;
  typename: boolean;
  type: TypeStep;
  selection: Step[] | undefined;
}

interface FragmentStep {
  field: false;
  conditions: Conditions | undefined;
  typeCondition: string | undefined;
  selection: Step[];
}

type Step = FieldStep | FragmentStep;

/** Response names the shaper cannot write to a plain object safely: the operation goes to Apollo's executor. */
export class UnsupportedOperation extends Error {}

export const hasOwn = Object.hasOwn as (o: object, key: string) => boolean;

interface ShapeContext {
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  /** Set by `update` for its caller: the value is a null where a non-null was due (bubble up). */
  invalid: boolean;
  /** Set by `update` for its caller: an error was already recorded for this value. */
  hasErrors: boolean;
}

const enum TypeKind {
  Object,
  /** An interface or a union. */
  Abstract,
  /** A scalar, an enum or an input type. */
  Other,
}

interface SchemaFacts {
  /** What `schema.type(name)` is, or undefined when the schema has no such type. */
  kindOf: (name: string) => TypeKind | undefined;
  subtype: (condition: string, typeName: string) => boolean;
}

export function compileShaper(operation: Operation): Shaper {
  const schema = operation.schema();
  const facts = schemaFacts(schema);
  const steps = compileSelectionSet(schema, operation.selectionSet);
  const defaults = operation.collectDefaultedVariableValues();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind)!.name;

  // Each branch reads `ctx.invalid`/`ctx.hasErrors` right after the `update` call that set them.
  function applySelection(input: Record<string, unknown>, selection: Step[], output: Record<string, unknown>, ctx: ShapeContext, path: (string | number)[], parentType: string): boolean {
    for (const step of selection) {
      if (step.conditions && skipped(step.conditions, ctx.variables)) continue;
      if (step.field) {
        const name = step.responseName;
        const outputValue = step.inherited ? (hasOwn(output, name) ? output[name] : undefined) : output[name];
        let inputValue = (step.inherited ? (hasOwn(input, name) ? input[name] : undefined) : input[name]) ?? null;
        if (step.typename) {
          // As computeResponse: the type the data names if the schema has it, else the parent type; not an object type: null.
          if (outputValue === undefined) {
            if (inputValue === null && name !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
            const type = typeof inputValue === 'string' && facts.kindOf(inputValue) !== undefined ? inputValue : parentType;
            if (facts.kindOf(type) !== TypeKind.Object) return false;
            output[name] = type;
          }
          continue;
        }
        path.push(name);
        output[name] = update(outputValue, step.type, inputValue, step.selection, ctx, path, parentType);
        path.pop();
        if (ctx.invalid) return false;
      } else {
        const typename = input[typenameFieldName];
        if (typename && typeof typename !== 'string') throw new Error(`Got unexpected value for __typename: ${String(typename)}`);
        if (fragmentApplies(step.typeCondition, typename as string | undefined, parentType)) {
          if (!applySelection(input, step.selection, output, ctx, path, step.typeCondition ?? parentType)) return false;
        }
      }
    }
    return true;
  }

  function fragmentApplies(condition: string | undefined, typename: string | undefined, parentType: string): boolean {
    if (!condition) return true;
    if (typename) return facts.kindOf(typename) !== undefined && facts.subtype(condition, typename);
    return facts.subtype(condition, parentType);
  }

  function update(outputValue: unknown, type: TypeStep, inputValue: unknown, selection: Step[] | undefined, ctx: ShapeContext, path: (string | number)[], parentType: string): unknown {
    ctx.invalid = false;
    ctx.hasErrors = false;
    if (outputValue === null || (outputValue !== undefined && !selection)) return outputValue;

    switch (type.kind) {
      case Kind.NonNull: {
        const updated = update(outputValue, type.of, inputValue, selection, ctx, path, parentType);
        if (updated === null) {
          if (!ctx.hasErrors) ctx.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(path, type.of, parentType)}.`, { path: Array.from(path) }));
          ctx.invalid = true;
          ctx.hasErrors = true;
          return null;
        }
        ctx.invalid = false;
        ctx.hasErrors = false;
        return updated;
      }
      case Kind.List: {
        if (inputValue === null) return null;
        if (!Array.isArray(inputValue)) throw new Error(`Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type.display}`);
        if (outputValue !== undefined && !Array.isArray(outputValue)) throw new Error(`Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type.display}`);
        const existing = outputValue as unknown[] | undefined;
        if (existing && existing.length !== inputValue.length) throw new Error(`[${String(inputValue)}].length (${inputValue.length}) !== [${String(existing)}].length (${existing.length})`);
        // A first pass builds a new (packed) array; a later pass over the same list completes the one built before.
        const updated: unknown[] = existing ?? [];
        let nullify = false;
        let hasErrors = false;
        for (let i = 0; i < inputValue.length; i++) {
          path.push(i);
          const value = update(existing ? existing[i] : undefined, type.of, inputValue[i], selection, ctx, path, parentType);
          if (existing) existing[i] = value;
          else updated.push(value);
          path.pop();
          nullify ||= ctx.invalid;
          hasErrors ||= ctx.hasErrors;
        }
        ctx.invalid = false;
        ctx.hasErrors = hasErrors;
        return nullify ? null : updated;
      }
      case Kind.Composite: {
        if (inputValue === null) return null;
        if (typeof inputValue !== 'object') throw new Error(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.display}`);
        if (outputValue !== undefined && typeof outputValue !== 'object') throw new Error(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.display}`);
        const input = inputValue as Record<string, unknown>;
        const inputTypename = input[typenameFieldName];
        if (inputTypename !== undefined && typeof inputTypename !== 'string') throw new Error(`Invalid non-string value ${String(inputTypename)} for __typename at ${path.join(',')}`);
        let objectType = type.name;
        if (inputTypename) {
          // A type the API schema does not have (e.g. @inaccessible): null, without naming it.
          const kind = facts.kindOf(inputTypename);
          if (kind === undefined || kind === TypeKind.Other) {
            ctx.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(path, type, parentType)}.`, { path: Array.from(path) }));
            ctx.hasErrors = true;
            return null;
          }
          objectType = inputTypename;
        }
        const output = (outputValue as Record<string, unknown> | undefined) ?? {};
        const ok = applySelection(input, selection!, output, ctx, path, objectType);
        ctx.invalid = false;
        ctx.hasErrors = !ok;
        return ok ? output : null;
      }
      case Kind.Leaf: {
        if (inputValue === null) return null;
        if (outputValue !== undefined) throw new Error(`Excepted output to be undefined but got ${type.display} for type ${type.display}`);
        if (type.check(inputValue)) return inputValue;
        ctx.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, type, parentType)}.`, { path: Array.from(path) }));
        ctx.hasErrors = true;
        return null;
      }
    }
  }

  return (input, variables) => {
    const ctx: ShapeContext = { variables: variables ? { ...defaults, ...variables } : defaults, errors: [], invalid: false, hasErrors: false };
    const data: Record<string, unknown> = {};
    const ok = applySelection(input, steps, data, ctx, [], rootType);
    return { data: ok ? data : null, errors: ctx.errors };
  };
}

function describe(path: (string | number)[], currentType: TypeStep, parentType: string): string {
  const element = path[path.length - 1];
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType.display} at index ${element}`;
}

function skipped(conditions: Conditions, variables: Record<string, unknown>): boolean {
  return (conditions.skip !== undefined && ifValue(conditions.skip, variables)) || (conditions.include !== undefined && !ifValue(conditions.include, variables));
}

function ifValue(argument: IfArgument, variables: Record<string, unknown>): boolean {
  if (typeof argument === 'boolean') return argument;
  const value = variables[argument.variable];
  if (typeof value !== 'boolean') throw new Error(`Unexpected value ${String(value)} for variable $${argument.variable}`);
  return value;
}

function compileSelectionSet(schema: Schema, selectionSet: SelectionSet): Step[] {
  const steps: Step[] = [];
  for (const selection of selectionSet.selections()) {
    const element = selection.element;
    const conditions = compileConditions(schema, element);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      if (field.definition.isSchemaIntrospectionField()) throw new UnsupportedOperation('introspection');
      const responseName = field.responseName();
      if (responseName === '__proto__') throw new UnsupportedOperation('__proto__ as a response name');
      steps.push({
        field: true,
        conditions,
        responseName,
        inherited: responseName in Object.prototype,
        typename: field.name === typenameFieldName,
        type: compileType(schema, field.definition.type!),
        selection: selection.selectionSet ? compileSelectionSet(schema, selection.selectionSet) : undefined,
      });
    } else {
      const fragment = selection.element;
      steps.push({ field: false, conditions, typeCondition: fragment.typeCondition?.name, selection: compileSelectionSet(schema, selection.selectionSet) });
    }
  }
  return steps;
}

function compileConditions(schema: Schema, element: { appliedDirectivesOf: Function }): Conditions | undefined {
  const read = (directive: { arguments(): { if: boolean | Variable } } | undefined): IfArgument | undefined => {
    if (!directive) return undefined;
    const arg = directive.arguments().if;
    return arg instanceof Variable ? { variable: arg.name } : arg;
  };
  const skip = read(element.appliedDirectivesOf(schema.skipDirective())[0]);
  const include = read(element.appliedDirectivesOf(schema.includeDirective())[0]);
  return skip === undefined && include === undefined ? undefined : { skip, include };
}

function compileType(schema: Schema, type: OutputType): TypeStep {
  const display = type.toString();
  if (isNonNullType(type)) return { kind: Kind.NonNull, of: compileType(schema, type.ofType), display };
  if (isListType(type)) return { kind: Kind.List, of: compileType(schema, type.ofType as OutputType), display };
  if (isCompositeType(type)) return { kind: Kind.Composite, name: type.name, display };
  return { kind: Kind.Leaf, check: leafCheck(schema, type as ScalarType | EnumType), display };
}

/** isValidLeafValue, decided per type once: the common scalars and enums without a call through the schema. */
function leafCheck(schema: Schema, type: ScalarType | EnumType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type)) {
    const names = new Set(type.values.map((v) => v.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  if (type === schema.stringType()) return (value) => typeof value === 'string';
  if (type === schema.booleanType()) return (value) => typeof value === 'boolean';
  if (type === schema.floatType()) return (value) => typeof value === 'number' && isFinite(value);
  return (value) => isValidLeafValue(schema, value, type);
}

const factsBySchema = new WeakMap<Schema, SchemaFacts>();

function schemaFacts(schema: Schema): SchemaFacts {
  let facts = factsBySchema.get(schema);
  if (facts) return facts;
  // Only names the schema has are remembered (a subgraph cannot grow this with names of its own).
  const kinds = new Map<string, TypeKind>();
  const kindOf = (name: string): TypeKind | undefined => {
    let kind = kinds.get(name);
    if (kind === undefined) {
      const type = schema.type(name);
      if (!type) return undefined;
      kind = type.kind === 'ObjectType' ? TypeKind.Object : isCompositeType(type) ? TypeKind.Abstract : TypeKind.Other;
      kinds.set(name, kind);
    }
    return kind;
  };
  const memo = new Map<string, boolean>();
  const subtype = (condition: string, typeName: string): boolean => {
    const key = `${condition}\u0000${typeName}`;
    let result = memo.get(key);
    if (result === undefined) {
      const a = schema.type(condition);
      const b = schema.type(typeName);
      result = !!a && !!b && isSubtype(a, b);
      memo.set(key, result);
    }
    return result;
  };
  facts = { kindOf, subtype };
  factsBySchema.set(schema, facts);
  return facts;
}
