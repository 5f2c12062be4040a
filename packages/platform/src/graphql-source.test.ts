import { randomBytes } from 'node:crypto';
import { buildSchema, parse, printSchema, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { holdsTwoBytes, oneByteGraphQLSource } from './graphql-source.ts';

/** A name no other test in this process has internalized (V8 keeps the first form of a name it meets). */
const fresh = (prefix: string) => `${prefix}${randomBytes(6).toString('hex')}`;

const sdl = (field: string) => `
# Comments may say anything → even this.
"""
Why a shopper sees this — e.g. "Similar to …", "Trending in EU" 😀
"""
type Query {
  "Regular string, non-Latin-1: ₹ and €, with \\"quotes\\" and a \\\\ backslash"
  ${field}(greeting: String = "Grüße… ✓"): String
  "Latin-1 only: café"
  plain: Int
}
enum Badge { IN_STOCK LOW_STOCK SOLD_OUT }
`;

describe('oneByteGraphQLSource', () => {
  it('keeps the meaning: every description, default value and name as they were', () => {
    const text = sdl('greeting');
    const out = oneByteGraphQLSource(text);
    expect(printSchema(buildSchema(out))).toBe(printSchema(buildSchema(text)));
    const strings = (source: string) => {
      const found: string[] = [];
      visit(parse(source), { StringValue: (node) => void found.push(node.value), Name: (node) => void found.push(node.value) });
      return found;
    };
    expect(strings(out)).toEqual(strings(text));
    expect(strings(out)).toContain('Grüße… ✓');
  });

  it('is one-byte, and so is every name parsed from it', () => {
    const text = sdl('greeting');
    expect(holdsTwoBytes(text)).toBe(true);
    const out = oneByteGraphQLSource(text);
    expect(holdsTwoBytes(out)).toBe(false);
    const names: string[] = [];
    visit(parse(out), { Name: (node) => void names.push(node.value) });
    expect(names.filter(holdsTwoBytes)).toEqual([]);
  });

  it('returns Latin-1 text as it is', () => {
    const text = 'type Query { "café" plain: Int }';
    expect(oneByteGraphQLSource(text)).toBe(text);
  });

  it('keeps response keys one-byte even when a library reads names out of two-byte schema text first', () => {
    // What happens in a gateway: a library prints the supergraph with its descriptions ("…" again), reads the
    // names out of that text and uses them as property keys before any answer is built. An answer built later
    // with the same keys must still stringify one-byte.
    const answer = (field: string, guarded: boolean) => {
      const text = sdl(field);
      if (guarded) oneByteGraphQLSource(text);
      const schemaKeys: Record<string, true> = {};
      visit(parse(text), { Name: (node) => void (schemaKeys[node.value] = true) });
      const data: Record<string, string> = {};
      data[JSON.parse(JSON.stringify(field)) as string] = 'IN_STOCK'; // the key as it comes from a client's query
      return JSON.stringify({ data });
    };
    expect(holdsTwoBytes(answer(fresh('guarded'), true))).toBe(false);
    // Without it (another name, never seen before): the same steps give a two-byte answer.
    expect(holdsTwoBytes(answer(fresh('unguarded'), false))).toBe(true);
  });
});
