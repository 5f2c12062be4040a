import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BREAK, parse, print, visit, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/** ../shared/contract, next to the repository (where CI and every developer have it). */
export const CONTRACT_DIR = process.env.CONTRACT_DIR ?? path.resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/contract');

export function contractDocument(file: string): DocumentNode {
  return parse(readFileSync(path.join(CONTRACT_DIR, file), 'utf8'));
}

/**
 * One operation of a contract document with the fragments it needs, as text.
 * `omitFields` drops fields a later issue provides (e.g. `recommendations`
 * until personalization exists) without touching the rest of the document.
 */
export function contractOperation(file: string, operationName: string, options: { omitFields?: string[] } = {}): string {
  let doc = contractDocument(file);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && d.name?.value === operationName);
  if (!op) throw new Error(`${file} has no operation ${operationName}`);
  const omit = new Set(options.omitFields ?? []);
  if (omit.size) {
    doc = visit(doc, { Field: (node) => (omit.has(node.name.value) ? null : undefined) });
    // Drop variables only the omitted fields used, or the document no longer validates.
    const usedVars = new Set<string>();
    visit(doc, { VariableDefinition: () => false, Variable: (node) => void usedVars.add(node.name.value) });
    doc = visit(doc, {
      OperationDefinition: (node) => ({ ...node, variableDefinitions: node.variableDefinitions?.filter((v) => usedVars.has(v.variable.name.value)) }),
    });
  }
  const used = new Set<string>();
  visit(doc, {
    OperationDefinition: (node) => (node.name?.value === operationName ? undefined : false),
    FragmentSpread: (node) => void used.add(node.name.value),
  });
  const definitions = doc.definitions.filter(
    (d) => (d.kind === 'OperationDefinition' && d.name?.value === operationName) || (d.kind === 'FragmentDefinition' && used.has(d.name.value)),
  );
  void BREAK;
  return print({ ...doc, definitions });
}
