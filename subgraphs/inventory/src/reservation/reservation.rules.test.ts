import { describe, expect, it } from 'vitest';
import { allocateFromLocations } from './reservation.rules.ts';

describe('allocateFromLocations', () => {
  it('takes from the fullest location first and spills over to the next fullest', () => {
    const locations = [
      { location_code: 'us-nj', on_hand: 3 },
      { location_code: 'us-nv', on_hand: 10 },
      { location_code: 'us-tx', on_hand: 5 },
    ];
    expect(allocateFromLocations(locations, 4)).toEqual([{ locationCode: 'us-nv', quantity: 4 }]);
    expect(allocateFromLocations(locations, 12)).toEqual([
      { locationCode: 'us-nv', quantity: 10 },
      { locationCode: 'us-tx', quantity: 2 },
    ]);
    expect(allocateFromLocations(locations, 18)).toEqual([
      { locationCode: 'us-nv', quantity: 10 },
      { locationCode: 'us-tx', quantity: 5 },
      { locationCode: 'us-nj', quantity: 3 },
    ]);
  });

  it('breaks ties by location code and skips empty locations', () => {
    const locations = [
      { location_code: 'eu-nl', on_hand: 4 },
      { location_code: 'eu-de', on_hand: 4 },
      { location_code: 'eu-aa', on_hand: 0 },
    ];
    expect(allocateFromLocations(locations, 5)).toEqual([
      { locationCode: 'eu-de', quantity: 4 },
      { locationCode: 'eu-nl', quantity: 1 },
    ]);
  });

  it('throws when the locations hold fewer units than sold', () => {
    expect(() => allocateFromLocations([{ location_code: 'gb-mid', on_hand: 2 }], 3)).toThrow(/disagree/);
  });
});
