import { describe, expect, it } from 'vitest';
import { handles, hitTest, insidePolygon, moveRegion, nudge, outline, regionFromDrag, resizeRegion } from './regionGeometry';

describe('region geometry', () => {
  it('draws regions from a drag', () => {
    expect(regionFromDrag('circle', [10, 10], [13, 14])).toEqual({ shape: 'circle', x: 10, y: 10, r: 5 });
    expect(regionFromDrag('rectangle', [0, 0], [10, 4])).toMatchObject({ x: 5, y: 2, width: 10, height: 4 });
    expect(regionFromDrag('point', [0, 0], [3, 4])).toEqual({ shape: 'point', x: 3, y: 4 });
  });

  it('hit-tests bodies and handles', () => {
    const c = { shape: 'circle' as const, x: 50, y: 50, r: 10 };
    expect(hitTest(c, 52, 51, 1)).toEqual({ kind: 'body' });
    expect(hitTest(c, 60, 50, 1)).toEqual({ kind: 'handle', index: 0 });
    expect(hitTest(c, 80, 80, 1)).toBeNull();
  });

  it('moves, resizes and nudges', () => {
    const e = { shape: 'ellipse' as const, x: 0, y: 0, a: 5, b: 2, angle: 90 };
    expect(moveRegion(e, 1, 2)).toMatchObject({ x: 1, y: 2 });
    const h = handles(e);
    expect(h[0][0]).toBeCloseTo(0);
    expect(h[0][1]).toBeCloseTo(5);
    expect(resizeRegion(e, 0, 0, 8).a).toBeCloseTo(8);
    const p = { shape: 'polygon' as const, points: [[0, 0], [4, 0], [0, 4]] as Array<[number, number]> };
    expect(resizeRegion(p, 1, 6, 0).points?.[1]).toEqual([6, 0]);
    expect(nudge(p, 'ArrowUp', 1)?.points?.[0]).toEqual([0, 1]);
    expect(nudge(p, 'a', 1)).toBeNull();
  });

  it('outlines rotated rectangles and tests points in polygons', () => {
    const r = outline({ shape: 'rectangle', x: 0, y: 0, width: 2, height: 2, angle: 45 });
    expect(Math.hypot(r[0][0], r[0][1])).toBeCloseTo(Math.SQRT2);
    expect(insidePolygon(r, 0, 0)).toBe(true);
    expect(insidePolygon(r, 1.3, 0.3)).toBe(false);
  });
});
