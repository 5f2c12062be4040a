import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildSchema, isCompositeType, isListType, isNonNullType, operationFromDocument, type Operation, type OutputType, type SelectionSet } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { compileShaper } from './shape.ts';

// @apollo/gateway's own result shaping (not exported from its index): the reference this one must match.
const require = createRequire(import.meta.url);
const { computeResponse } = require('@apollo/gateway/dist/resultShaping.js') as {
  computeResponse: (args: { operation: Operation; variables?: Record<string, unknown>; input: Record<string, unknown>; introspectionHandling: () => unknown }) => { data: unknown; errors: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] };
};

const SCHEMA = buildSchema(`
  type Query {
    product(id: ID): Product
    products: [Product!]!
    node(id: ID!): Node
    search: [SearchResult]
    count: Int!
    ratio: Float
    flag: Boolean
    color: Color
    when: DateTime
  }
  scalar DateTime
  enum Color { RED GREEN }
  interface Node { id: ID! }
  type Product implements Node { id: ID! title: String! tags: [String!] variants: [Variant!]! price: Money related: [Product] }
  type Variant implements Node { id: ID! sku: String! stock: Int }
  type Money { amount: String! currency: Color }
  union SearchResult = Product | Variant
`);

const OPERATIONS = [
  `query A($withTags: Boolean!, $skipPrice: Boolean = false) {
    __typename
    count ratio flag color when
    product(id: "1") {
      __typename kind: __typename
      id title
      constructor: title
      tags @include(if: $withTags)
      price @skip(if: $skipPrice) { amount currency }
      variants { id sku stock ... on Variant { __typename } }
      ... on Product { related { id title } }
      ...Head
      related { price { amount } }
    }
    products { id title variants { sku } }
  }
  fragment Head on Product { title id price { currency } }`,
  `query B {
    node(id: "x") { __typename id ... on Product { title variants { id } } ... on Variant { sku stock } }
    search { __typename ... on Node { id } ... on Product { title tags } ... on Variant { sku } }
    again: search { ... on Variant { stock } }
  }`,
  `query C($a: Boolean!) {
    p1: product(id: "1") @include(if: $a) { id }
    p2: product(id: "2") @skip(if: $a) { id title }
    product(id: "3") { id ... @include(if: $a) { title } ... @skip(if: true) { tags } }
  }`,
];

/** A small deterministic PRNG (mulberry32), so that a failure names a seed that reproduces it. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Data as a query plan's fetches could leave it for `selectionSet`: mostly well-formed, sometimes
 * with nulls, missing fields, wrong leaf values, unknown or wrong __typenames, extra fields.
 */
function randomInput(random: () => number, selectionSet: SelectionSet): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const typenames: Record<string, string[]> = { Product: ['Product'], Variant: ['Variant'], Node: ['Product', 'Variant'], SearchResult: ['Product', 'Variant'], Money: ['Money'], Query: ['Query'] };
  const fill = (target: Record<string, unknown>, set: SelectionSet) => {
    for (const selection of set.selections()) {
      if (selection.kind !== 'FieldSelection') {
        fill(target, selection.selectionSet);
        continue;
      }
      const field = selection.element;
      const name = field.responseName();
      if (name in target && random() < 0.7) continue;
      if (field.name === '__typename') {
        const r = random();
        target[name] = r < 0.1 ? 'Ghost' : r < 0.15 ? 'Color' : r < 0.2 ? undefined : (target.__typename ?? field.parentType.name);
        if (target[name] === undefined) delete target[name];
        continue;
      }
      const value = valueOf(field.definition.type!, selection.selectionSet);
      if (value !== undefined) target[name] = value;
    }
    if (random() < 0.2) target.extraKey = 'not asked for';
  };
  const valueOf = (type: OutputType, set: SelectionSet | undefined): unknown => {
    const r = random();
    if (r < 0.08) return null;
    if (r < 0.11) return undefined;
    if (isNonNullType(type)) return valueOf(type.ofType, set);
    if (isListType(type)) return Array.from({ length: Math.floor(random() * 4) }, () => valueOf(type.ofType as OutputType, set) ?? null);
    if (isCompositeType(type)) {
      const object: Record<string, unknown> = {};
      const names = typenames[type.name] ?? [type.name];
      const t = random();
      if (t < 0.05) object.__typename = 'Ghost';
      else if (t < 0.08) object.__typename = 'Color';
      else if (t < 0.85) object.__typename = names[Math.floor(random() * names.length)];
      fill(object, set!);
      return object;
    }
    const wrong = random() < 0.06;
    switch (type.name) {
      case 'Int':
        return wrong ? 1.5 : Math.floor(random() * 100);
      case 'Float':
        return wrong ? 'NaN' : random() * 10;
      case 'Boolean':
        return wrong ? 1 : random() < 0.5;
      case 'Color':
        return wrong ? 'BLUE' : random() < 0.5 ? 'RED' : 'GREEN';
      case 'ID':
        return wrong ? true : random() < 0.5 ? String(Math.floor(random() * 1000)) : Math.floor(random() * 1000);
      case 'DateTime':
        return wrong ? { weird: true } : '2026-12-03T00:00:00Z';
      default:
        return wrong ? 42 : `s${Math.floor(random() * 1000)}`;
    }
  };
  fill(out, selectionSet);
  return out;
}

function run<T>(fn: () => T): { value?: T; thrown?: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { thrown: (err as Error).message };
  }
}

describe('compileShaper against @apollo/gateway computeResponse', () => {
  for (const [index, source] of OPERATIONS.entries()) {
    it(`gives the same data (same key order), errors and failures for operation ${'ABC'[index]} on 1,500 random inputs`, () => {
      const operation = operationFromDocument(SCHEMA, parse(source), { validate: false });
      const shape = compileShaper(operation);
      const variableSets = [{ withTags: true, a: true }, { withTags: false, skipPrice: true, a: false }, { withTags: true, skipPrice: false, a: true }];
      const seen = { nulledRoot: 0, errors: 0, thrown: 0, clean: 0 };
      for (let seed = 1; seed <= 1_500; seed++) {
        const random = prng(seed * 7919 + index);
        const input = randomInput(random, operation.selectionSet);
        const variables = variableSets[seed % variableSets.length];
        const expected = run(() => computeResponse({ operation, variables, input: structuredClone(input), introspectionHandling: () => null }));
        const actual = run(() => shape(structuredClone(input), variables));
        const view = (r: ReturnType<typeof run<{ data: unknown; errors: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] }>>) =>
          r.thrown !== undefined ? { thrown: r.thrown } : { data: JSON.stringify(r.value!.data), errors: r.value!.errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code })) };
        expect(view(actual), `seed ${seed}`).toEqual(view(expected));
        if (expected.thrown !== undefined) seen.thrown++;
        else if (expected.value!.data === null) seen.nulledRoot++;
        else if (expected.value!.errors.length) seen.errors++;
        else seen.clean++;
      }
      // The inputs reach every outcome, so the comparison covers each of them.
      expect(seen.clean).toBeGreaterThan(5);
      expect(seen.errors).toBeGreaterThan(50);
      if (index === 0) expect(seen.nulledRoot).toBeGreaterThan(20);
    });
  }
});
