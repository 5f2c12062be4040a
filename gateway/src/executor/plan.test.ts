import { describe, expect, it } from 'vitest';
import { memberResponse } from './plan.ts';

describe('memberResponse (a merged entity request split back per fetch)', () => {
  const response = {
    data: { _entities0: [{ a: 1 }, null], _entities1: [{ b: 2 }] },
    errors: [
      { message: 'first fetch, second entity', path: ['_entities0', 1, 'stock'], extensions: { code: 'X' } },
      { message: 'second fetch', path: ['_entities1', 0] },
      { message: 'whole request' },
      { message: 'another root', path: ['somethingElse'] },
    ],
    extensions: { note: true },
  };

  it('gives each fetch its own _entities and the errors on its path, rewritten to start at _entities', () => {
    expect(memberResponse(response, 0)).toEqual({
      data: { _entities: [{ a: 1 }, null] },
      errors: [
        { message: 'first fetch, second entity', path: ['_entities', 1, 'stock'], extensions: { code: 'X' } },
        { message: 'whole request' },
        { message: 'another root', path: ['somethingElse'] },
      ],
      extensions: { note: true },
    });
    expect(memberResponse(response, 1).data).toEqual({ _entities: [{ b: 2 }] });
    expect(memberResponse(response, 1).errors!.map((e) => e.path)).toEqual([['_entities', 0], undefined, ['somethingElse']]);
  });

  it('keeps a failed request failed for every fetch, and leaves out errors when a fetch has none', () => {
    expect(memberResponse({ data: null, errors: [{ message: 'invalid' }] }, 1)).toEqual({ data: null, errors: [{ message: 'invalid' }] });
    expect(memberResponse({ data: { _entities0: [], _entities1: [] }, errors: [{ message: 'x', path: ['_entities0', 0] }] }, 1)).toEqual({ data: { _entities: [] }, errors: undefined });
    // A member the subgraph left out: its fetch reports the missing array as executeQueryPlan would.
    expect(memberResponse({ data: { _entities0: [] } }, 1).data).toEqual({ _entities: undefined });
  });
});
