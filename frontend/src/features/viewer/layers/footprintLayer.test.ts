import { describe, expect, it } from 'vitest';
import { drawFootprints, mosaicFootprints } from './footprintLayer';

describe('mosaic footprints', () => {
  it('reads the outlines a mosaic job stores', () => {
    const fp = mosaicFootprints({
      mosaic: {
        outlines: {
          a: { name: 'tile_a_i2d.fits', xy: [0, 0, 10, 0, 10, 5, 0, 5] },
          b: { name: 'tile_b_i2d.fits', xy: [1, 2, 3] },
        },
      },
    });
    expect(fp).toEqual([
      {
        id: 'a',
        name: 'tile_a_i2d.fits',
        points: [
          [0, 0],
          [10, 0],
          [10, 5],
          [0, 5],
        ],
      },
    ]);
  });

  it('is empty for other records', () => {
    expect(mosaicFootprints({ filter: 'F200W' })).toEqual([]);
    expect(mosaicFootprints(undefined)).toEqual([]);
    expect(mosaicFootprints({ mosaic: { outlines: null } })).toEqual([]);
  });

  it('draws one closed dashed outline per input, through the projection', () => {
    const calls: string[] = [];
    const ctx = new Proxy(
      {},
      {
        get: (_t, name: string) => (name in { strokeStyle: 1, fillStyle: 1, lineWidth: 1, font: 1 } ? undefined : (...args: unknown[]) => calls.push(`${name}(${args.join(',')})`)),
        set: () => true,
      },
    ) as unknown as CanvasRenderingContext2D;
    const fp = mosaicFootprints({ mosaic: { outlines: { a: { name: 'a', xy: [0, 0, 2, 0, 2, 2, 0, 2] } } } });
    drawFootprints(ctx, (x, y) => [x * 10, y * 10], fp);
    expect(calls).toContain('moveTo(0,0)');
    expect(calls).toContain('lineTo(20,20)');
    expect(calls.filter((c) => c.startsWith('closePath'))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('stroke'))).toHaveLength(1);
  });
});
