import { readFileSync } from 'node:fs';
import { serialize } from 'node:v8';
import { parse, visit } from 'graphql';

const NOT_LATIN1 = /[^\x00-\xff]/;
const EVERY_NOT_LATIN1 = /[^\x00-\xff]/g;

/** Names kept internalized in their one-byte form for the life of the process (see oneByteGraphQLSource). */
const internalized: Record<string, true> = Object.create(null);

/**
 * GraphQL source text (SDL or operations) with the same meaning, held by V8 as a one-byte string.
 *
 * V8 keeps a string at one byte per character only while every character is Latin-1: one "…" in one
 * description makes the whole file a two-byte string, and with it every name sliced out of it (types,
 * fields, enum values). Those names become the property keys of every response object (V8 internalizes a
 * key once, in the form it first sees), and one two-byte key turns `JSON.stringify` of the whole answer
 * into a two-byte string: twice the bytes, a large-object allocation when it is flattened for writing
 * (above 64K characters) and a UTF-16 to UTF-8 transcoding in the socket write. Measured in the gateway on
 * the 80 KB HeavyListing answer: about 1 ms per request for the flattening alone, against 0.02 ms.
 *
 * So: every string literal holding a character beyond Latin-1 (a description, a default value) becomes a
 * regular string with `\uXXXX` escapes (its value unchanged), what remains outside strings is in comments
 * and becomes `?`, and the result is copied into a one-byte string. Text that is already Latin-1 is
 * returned as is.
 *
 * That alone is not enough: libraries print a schema with its descriptions and parse it again (the gateway's
 * API schema, for one), two-byte again, and the name V8 meets first as a property key is the one it keeps.
 * So the text's names are also internalized here, one-byte, and kept: call this before anything else reads
 * the text (readGraphQLFile at start does).
 */
export function oneByteGraphQLSource(text: string): string {
  if (!NOT_LATIN1.test(text)) return text;
  const edits: { start: number; end: number; literal: string }[] = [];
  visit(parse(text), {
    StringValue(node) {
      if (NOT_LATIN1.test(node.value)) edits.push({ start: node.loc!.start, end: node.loc!.end, literal: escapedString(node.value) });
    },
  });
  let out = text;
  for (const { start, end, literal } of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, start) + literal + out.slice(end);
  out = Buffer.from(out.replace(EVERY_NOT_LATIN1, '?'), 'latin1').toString('latin1');
  for (const name of out.match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []) internalized[name] = true;
  return out;
}

/** A GraphQL file read as `oneByteGraphQLSource` (schemas are read once, at start). */
export function readGraphQLFile(url: URL | string): string {
  return oneByteGraphQLSource(readFileSync(url, 'utf8'));
}

/** A regular GraphQL string literal for `value`: JSON's escapes are GraphQL's, plus `\u` for every non-Latin-1 code unit. */
function escapedString(value: string): string {
  return JSON.stringify(value).replace(EVERY_NOT_LATIN1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether V8 holds `s` at two bytes per character (its serializer tags one-byte strings '"', two-byte ones 'c', after padding). */
export function holdsTwoBytes(s: string): boolean {
  const bytes = serialize(s);
  let i = 2; // after the version header
  while (bytes[i] === 0x00) i++;
  if (bytes[i] !== 0x22 && bytes[i] !== 0x63) throw new Error(`unexpected V8 serializer tag ${bytes[i]}`);
  return bytes[i] === 0x63;
}
