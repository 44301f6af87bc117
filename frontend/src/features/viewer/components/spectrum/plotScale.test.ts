import { describe, expect, it } from 'vitest';
import { extent, nearest, ticks } from './plotScale';

describe('spectrum plot scales', () => {
  it('finds extents ignoring nulls', () => {
    expect(extent([3, null, 1, NaN, 2])).toEqual([1, 3]);
    expect(extent([null])).toBeNull();
  });
  it('makes round ticks', () => {
    expect(ticks(2.87, 5.27, 5)).toEqual([3, 3.5, 4, 4.5, 5]);
    expect(ticks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
  it('finds the nearest sample', () => {
    expect(nearest([1, 2, 3, 4], 2.4)).toBe(1);
    expect(nearest([1, 2, 3, 4], 9)).toBe(3);
  });
});
