import { describe, expect, it } from 'vitest';
import { affineFrom, apply, invert, scaleOf } from './alignment';

describe('alignment', () => {
  it('recovers an affine map and its inverse', () => {
    const f = (p: [number, number]): [number, number] => [2 * p[0] + 0.5 * p[1] + 3, -0.5 * p[0] + 2 * p[1] - 1];
    const p: Array<[number, number]> = [
      [0, 0],
      [100, 0],
      [0, 100],
    ];
    const m = affineFrom(p, p.map(f))!;
    const q = apply(m, [12, 34]);
    expect(q[0]).toBeCloseTo(f([12, 34])[0]);
    expect(q[1]).toBeCloseTo(f([12, 34])[1]);
    const back = apply(invert(m)!, q);
    expect(back[0]).toBeCloseTo(12);
    expect(scaleOf(m)).toBeCloseTo(Math.sqrt(4.25));
  });
});
