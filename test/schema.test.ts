import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, validate, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { generate } from '@graphql-codegen/cli';
import { compose, render } from '@shop/schema';
import { ROOT } from '@shop/stack';
import { contractDocument, contractOperation } from './harness/contract.ts';
import codegenConfig from '../codegen.ts';

describe('schema artefacts', () => {
  it('the committed supergraph, API schema and subgraph SDL equal a fresh composition', () => {
    for (const [file, text] of render(compose())) {
      expect(readFileSync(file, 'utf8'), `${path.relative(ROOT, file)} is stale: run pnpm compose`).toBe(text);
    }
  });

  it('the committed typed resolvers equal a fresh codegen run', async () => {
    const outputs = await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const { filename, content } of outputs) {
      expect(readFileSync(path.resolve(ROOT, filename), 'utf8'), `${filename} is stale: run pnpm codegen`).toBe(content);
    }
  });
});

describe('contract documents validate against schema/api.graphql', () => {
  const api = buildSchema(readFileSync(path.join(ROOT, 'schema/api.graphql'), 'utf8'));
  const check = (doc: DocumentNode) => validate(api, doc).map((e) => e.message);

  it.each(['Regions.graphql', 'CategoryPage.graphql', 'Search.graphql', 'Cart.graphql', 'Checkout.graphql', 'ProductPage.graphql', 'Me.graphql'])('gateway/%s', (file) => {
    expect(check(contractDocument(`gateway/${file}`))).toEqual([]);
  });
});

// The BFFs' query documents; their Live.graphql subscriptions are checked below (and run by test/live).
describe.each([
  ['bff-web', 'bff-web/src/schema/web.graphql', ['ProductPage.graphql']],
  ['bff-mobile', 'bff-mobile/src/schema/mobile.graphql', ['ProductDetail.graphql']],
])('contract documents validate against %s’s schema', (bff, schemaPath, files) => {
  const schema = buildSchema(readFileSync(path.join(ROOT, schemaPath), 'utf8'));

  it.each(files)(`${bff}/%s`, (file) => {
    const doc = contractDocument(`${bff}/${file}`);
    expect(doc.definitions.every((d) => d.kind !== 'OperationDefinition' || d.operation === 'query')).toBe(true);
    expect(validate(schema, doc).map((e) => e.message)).toEqual([]);
  });
});

// The live documents: subscriptions only (the BFFs' graphql-ws endpoint refuses anything else), valid against each BFF's schema.
describe.each([
  ['bff-web', 'bff-web/src/schema/web.graphql'],
  ['bff-mobile', 'bff-mobile/src/schema/mobile.graphql'],
])('%s/Live.graphql validates against its schema', (bff, schemaPath) => {
  const schema = buildSchema(readFileSync(path.join(ROOT, schemaPath), 'utf8'));

  it('StockBadges and RecommendationsRefreshed, as subscriptions', () => {
    const doc = contractDocument(`${bff}/Live.graphql`);
    const operations = doc.definitions.flatMap((d) => (d.kind === 'OperationDefinition' ? [[d.name?.value, d.operation]] : []));
    expect(operations).toEqual([
      ['StockBadges', 'subscription'],
      ['RecommendationsRefreshed', 'subscription'],
    ]);
    expect(validate(schema, doc).map((e) => e.message)).toEqual([]);
  });
});
