import { describe, expect, it } from 'vitest';
import { affineFrom, apply, invert, scaleOf, turnOf, type Affine } from './alignment';

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

  it('turns a rotated, rescaled or mirrored record to the first one on screen', () => {
    // Array y runs up and screen y down: a direction d in the first record's pixels shows on
    // screen as (dx, -dy); in record j it is L·d, shown turned by the CSS matrix.
    const screen = (v: [number, number]): [number, number] => [v[0], -v[1]];
    const css = (t: [number, number, number, number], v: [number, number]): [number, number] => [t[0] * v[0] + t[2] * v[1], t[1] * v[0] + t[3] * v[1]];
    for (const [deg, scale, mirror] of [
      [30, 0.5, false],
      [90, 1, false],
      [-135, 2, false],
      [20, 1, true],
    ] as Array<[number, number, boolean]>) {
      const r = (deg * Math.PI) / 180;
      const f = mirror ? -1 : 1;
      const m: Affine = [scale * Math.cos(r), -scale * Math.sin(r) * f, 7, scale * Math.sin(r), scale * Math.cos(r) * f, -3];
      const t = turnOf(m)!;
      expect(t).not.toBeNull();
      for (const d of [
        [1, 0],
        [0, 1],
        [0.6, -0.8],
      ] as Array<[number, number]>) {
        const want = screen(d);
        const got = css(t, screen([m[0] * d[0] + m[1] * d[1], m[3] * d[0] + m[4] * d[1]]));
        // same direction on screen, scaled by the pixel-scale ratio only
        expect(got[0] / scale).toBeCloseTo(want[0], 6);
        expect(got[1] / scale).toBeCloseTo(want[1], 6);
      }
    }
    expect(turnOf([2, 0, 5, 0, 2, 1])).toBeNull(); // aligned: no turn
  });
});
