import { clampCentre, fitView, imageToScreen, panBy, screenToImage, visibleRect, zoomAt } from './view';

describe('pan and zoom', () => {
  const vp = { width: 800, height: 600 };

  it('fits the image with a margin', () => {
    const v = fitView(1600, 600, vp);
    expect(v.zoom).toBeCloseTo(0.475);
    expect([v.cx, v.cy]).toEqual([800, 300]);
  });

  it('keeps the point under the cursor fixed while zooming', () => {
    const v = { cx: 500, cy: 400, zoom: 1 };
    const before = screenToImage(v, vp, 100, 50);
    const z = zoomAt(v, vp, 2.5, 100, 50, 0.01);
    expect(z.zoom).toBe(2.5);
    const after = screenToImage(z, vp, 100, 50);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
  });

  it('clamps the zoom', () => {
    expect(zoomAt({ cx: 0, cy: 0, zoom: 1 }, vp, 1000, 0, 0, 0.1).zoom).toBe(64);
    expect(zoomAt({ cx: 0, cy: 0, zoom: 1 }, vp, 0.0001, 0, 0, 0.1).zoom).toBe(0.1);
  });

  it('pans by screen pixels and round-trips coordinates', () => {
    const v = panBy({ cx: 100, cy: 100, zoom: 2 }, 20, -10);
    expect([v.cx, v.cy]).toEqual([90, 105]);
    const [sx, sy] = imageToScreen(v, vp, 33, 44);
    expect(screenToImage(v, vp, sx, sy)).toEqual([33, 44]);
    expect(visibleRect({ cx: 400, cy: 300, zoom: 1 }, vp)).toEqual([0, 0, 800, 600]);
    expect(clampCentre({ cx: -5, cy: 9999, zoom: 1 }, 100, 100)).toEqual({ cx: 0, cy: 100, zoom: 1 });
  });
});
