import { GraphQLScalarType, Kind } from 'graphql';

const DECIMAL = /^-?\d{1,15}(\.\d{1,6})?$/;

/** `Decimal`: money and rates as decimal strings ("19.90"), never floats. Shared by every subgraph that defines it. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'A decimal number as a string, e.g. "19.90"',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string' || !DECIMAL.test(v)) throw new TypeError(`Decimal must be a string like "19.90", got ${JSON.stringify(v)}`);
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !DECIMAL.test(ast.value)) throw new TypeError('Decimal must be a string like "19.90"');
    return ast.value;
  },
});
