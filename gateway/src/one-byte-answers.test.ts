import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { holdsTwoBytes, readGraphQLFile } from '@shop/platform';

const SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

describe('answers keyed by the supergraph’s field names', () => {
  it('stringify one-byte once ApolloGateway has loaded the supergraph as the gateway reads it', async () => {
    // The project's supergraph has descriptions beyond Latin-1 (it is what makes this test mean something).
    expect(/[^\x00-\xff]/.test(readFileSync(SUPERGRAPH, 'utf8'))).toBe(true);
    const gateway = new ApolloGateway({ supergraphSdl: readGraphQLFile(SUPERGRAPH), logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const { schema } = await gateway.load();
    try {
      const fieldNames = new Set<string>();
      for (const type of Object.values(schema.getTypeMap())) if (isObjectType(type) && !type.name.startsWith('__')) for (const name of Object.keys(type.getFields())) fieldNames.add(name);
      expect(fieldNames.size).toBeGreaterThan(50);
      // Each key as it arrives in a client's query (parsed from one-byte JSON), in an answer of its own.
      const twoByteAnswers = [...fieldNames].filter((name) => holdsTwoBytes(JSON.stringify({ [JSON.parse(JSON.stringify(name)) as string]: 1 })));
      expect(twoByteAnswers).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });
});
