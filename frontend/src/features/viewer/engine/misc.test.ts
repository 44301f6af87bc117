import { toGridData } from '../api/viewer';
import { colormapLut, colormapStops } from './colormaps';
import { isTrackpadScroll, wheelZoomFactor } from './input';
import { percentileFromHistogram, resolveInterval } from './interval';
import { pixelScaleFromWcs, scaleBar } from './overlay';

describe('colour maps', () => {
  it('are the engine tables: 256 RGBA entries, every engine map, reversed when inverted', () => {
    const lut = colormapLut('viridis');
    expect(lut).toHaveLength(1024);
    expect(Array.from(lut.slice(0, 4))).toEqual([68, 1, 84, 255]);
    expect(Array.from(lut.slice(1020))).toEqual([253, 231, 37, 255]);
    expect(Array.from(colormapLut('viridis', true).slice(0, 4))).toEqual([253, 231, 37, 255]);
    expect(colormapStops('gray', 2)).toEqual(['rgb(0,0,0)', 'rgb(255,255,255)']);
    for (const name of ['cubehelix', 'batlow', 'turbo'] as const) expect(colormapLut(name)).toHaveLength(1024);
  });
});

describe('intervals', () => {
  const info = { stats: { min: 0, max: 100, percentiles: { '0.5': 2, '99.5': 80, '0.25': 1 } }, histogram: { counts: [50, 30, 20], edges: [0, 10, 20, 30] } };
  it('uses the server percentiles when present, else the histogram', () => {
    expect(resolveInterval(info, 'minmax')).toEqual([0, 100]);
    expect(resolveInterval(info, '99')).toEqual([2, 80]);
    const [lo, hi] = resolveInterval(info, '99.5') as [number, number];
    expect(lo).toBe(1);
    expect(hi).toBeCloseTo(29.875);
    expect(resolveInterval(info, 'manual')).toBeNull();
    expect(resolveInterval(info, 'zscale')).toEqual(resolveInterval(info, '99.5'));
  });
  it('finds percentiles in a histogram', () => {
    expect(percentileFromHistogram([50, 30, 20], [0, 10, 20, 30], 50)).toBe(10);
    expect(percentileFromHistogram([50, 30, 20], [0, 10, 20, 30], 65)).toBe(15);
  });
});

describe('scale bar and pixel scale', () => {
  it('reads the pixel scale from a CD matrix or CDELT', () => {
    expect(pixelScaleFromWcs({ CD1_1: -8.611e-6, CD2_2: 8.611e-6 })).toBeCloseTo(0.031, 4);
    expect(pixelScaleFromWcs({ CDELT1: -0.0001, CDELT2: 0.0001 })).toBeCloseTo(0.36, 6);
    expect(pixelScaleFromWcs(null)).toBeNull();
  });
  it('picks a round length between 60 and 160 pixels', () => {
    const b = scaleBar(0.031, 1) as { arcsec: number; px: number; label: string };
    expect(b.px).toBeGreaterThanOrEqual(60);
    expect(b.px).toBeLessThanOrEqual(160);
    expect(b.label).toBe('2″');
    expect(scaleBar(0.031, 0.01)?.label).toBe('5′');
  });
});

describe('wheel and grid parsing', () => {
  it('zooms in for wheel up and treats fine two-axis scrolls as pans', () => {
    expect(wheelZoomFactor(-100, 0, false)).toBeGreaterThan(1);
    expect(wheelZoomFactor(3, 1, false)).toBeLessThan(1);
    expect(isTrackpadScroll({ deltaMode: 0, deltaX: 3, deltaY: 1.5, ctrlKey: false })).toBe(true);
    expect(isTrackpadScroll({ deltaMode: 0, deltaX: 0, deltaY: 100, ctrlKey: false })).toBe(false);
    expect(isTrackpadScroll({ deltaMode: 0, deltaX: 2, deltaY: 1, ctrlKey: true })).toBe(false);
  });
  it('turns the API grid into what the overlay draws', () => {
    const g = toGridData({
      ra_step: 0.01,
      dec_step: 0.01,
      equatorial: true,
      scale_bar: null,
      lines: [{ axis: 'ra', kind: 'ra', value: 159.2, label: '10h36m48s', points: [[1, 2], [3, 4]] }],
      labels: [{ x: 1, y: 2, text: '10h', axis: 'ra' }],
    });
    expect(g.lines).toEqual([{ kind: 'ra', value: 159.2, points: [[1, 2], [3, 4]] }]);
    expect(g.labels).toEqual([{ x: 1, y: 2, text: '10h' }]);
  });
});
