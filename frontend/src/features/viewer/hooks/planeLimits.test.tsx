import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ImageInfo, PlaneStats } from '../api/types';
import { limitsSource } from '../engine/interval';
import { DEFAULT_PARAMS, reduceParams } from './useRenderParams';
import { usePlaneStats } from './useViewerData';
import { useViewerParams } from './useViewerParams';

const getPlaneStats = vi.fn();
vi.mock('../api/viewer', () => ({ getPlaneStats: (...args: unknown[]) => getPlaneStats(...args) }));

/** Statistics whose 99.5% interval is [lo, hi] and whose histogram spans [lo - 1, hi + 1]. */
function stats(lo: number, hi: number) {
  return {
    stats: { min: lo - 1, max: hi + 1, exact_minmax: false, percentiles: { '0.25': lo, '99.75': hi, '0.5': lo + 0.5, '99.5': hi - 0.5, '1': lo + 1, '99': hi - 1 }, zscale: null, samples: 100 },
    histogram: { counts: [1, 2, 1], edges: [lo - 1, lo, hi, hi + 1], total: 4, sampled: true, log: false },
  };
}

const WHOLE = stats(0, 1000); // the whole cube's statistics (image-info)
const PLANES = [stats(1, 2), stats(100, 200), stats(-60, -40)];

function cubeInfo(size = 3): ImageInfo {
  return { ext: 'SCI', index: 1, shape: [size, 8, 8], cube: { size, axis: 3, values: [], unit: 'um' }, ...WHOLE } as unknown as ImageInfo;
}

function plane(k: number): PlaneStats {
  return { ext: 'SCI', slice: k, ...PLANES[k] };
}

function wrapper(client: QueryClient) {
  return ({ children }: { children: React.ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

describe("a cube's display limits come from its shown plane", () => {
  beforeEach(() => {
    getPlaneStats.mockReset();
  });

  it('asks for each plane once per record, extension and plane, and keeps the last plane while the next loads', async () => {
    const pending: Record<number, (v: PlaneStats) => void> = {};
    getPlaneStats.mockImplementation((_id: string, _ext: string, k: number) => new Promise<PlaneStats>((res) => (pending[k] = res)));
    const client = new QueryClient();
    const { result, rerender } = renderHook(({ slice }) => usePlaneStats('r1', cubeInfo(), 'SCI', slice), { wrapper: wrapper(client), initialProps: { slice: 0 } });
    expect(result.current).toBeNull(); // loading: the caller falls back to the whole cube's
    act(() => pending[0](plane(0)));
    await waitFor(() => expect(result.current?.slice).toBe(0));

    rerender({ slice: 2 });
    expect(result.current?.slice).toBe(0); // plane 2 is loading: plane 0's stay
    act(() => pending[2](plane(2)));
    await waitFor(() => expect(result.current?.slice).toBe(2));

    rerender({ slice: 0 }); // cached: no second request
    await waitFor(() => expect(result.current?.slice).toBe(0));
    expect(getPlaneStats.mock.calls.map((c) => c.slice(0, 3))).toEqual([
      ['r1', 'SCI', 0],
      ['r1', 'SCI', 2],
    ]);
    expect(client.getQueryData(['viewer', 'r1', 'plane-stats', 'SCI', 2])).toEqual(plane(2));
  });

  it('asks nothing for a 2-D image (or a single-plane cube)', () => {
    const image = { ...cubeInfo(), shape: [8, 8], cube: null } as unknown as ImageInfo;
    const { result } = renderHook(() => usePlaneStats('r2', image, 'SCI', 0), { wrapper: wrapper(new QueryClient()) });
    expect(result.current).toBeNull();
    renderHook(() => usePlaneStats('r2', cubeInfo(1), 'SCI', 0), { wrapper: wrapper(new QueryClient()) });
    expect(getPlaneStats).not.toHaveBeenCalled();
  });

  it("computes the limits from the plane's statistics, not the whole cube's", () => {
    expect(limitsSource(WHOLE, null)).toBe(WHOLE);
    expect(limitsSource(WHOLE, plane(1))).toEqual(plane(1));
    let p = reduceParams({ ...DEFAULT_PARAMS, vmin: 0, vmax: 1000 }, { type: 'source', info: plane(1) });
    expect([p.interval, p.vmin, p.vmax]).toEqual(['99.5', 100, 200]);
    p = reduceParams({ ...p, interval: 'minmax' }, { type: 'source', info: plane(2) });
    expect([p.vmin, p.vmax]).toEqual([-61, -39]);
    p = reduceParams({ ...p, interval: 'percentile', lower: 1, upper: 99 }, { type: 'source', info: plane(1) });
    expect([p.vmin, p.vmax]).toEqual([101, 199]);
  });

  it('keeps typed limits when the plane changes', () => {
    const manual = { ...DEFAULT_PARAMS, interval: 'manual' as const, vmin: 3, vmax: 4 };
    expect(reduceParams(manual, { type: 'source', info: plane(1) })).toBe(manual);
  });

  it('the viewer follows the shown plane: limits and histogram from it, the whole cube while loading', async () => {
    getPlaneStats.mockImplementation(async (_id: string, _ext: string, k: number) => plane(k));
    const { result } = renderHook(() => useViewerParams('r3', cubeInfo(), 'SCI'), { wrapper: wrapper(new QueryClient()) });
    expect([result.current.params.vmin, result.current.params.vmax]).toEqual([0, 1000]); // whole cube, at first
    await waitFor(() => expect([result.current.params.vmin, result.current.params.vmax]).toEqual([1, 2]));
    expect(result.current.source.histogram?.edges).toEqual(PLANES[0].histogram.edges);

    act(() => result.current.set({ slice: 1 }));
    await waitFor(() => expect([result.current.params.vmin, result.current.params.vmax]).toEqual([100, 200]));
    expect(result.current.source.histogram?.edges).toEqual(PLANES[1].histogram.edges);

    act(() => result.current.setInterval('99'));
    expect([result.current.params.vmin, result.current.params.vmax]).toEqual([100.5, 199.5]); // the plane's, not the cube's
    act(() => result.current.set({ slice: 2 }));
    await waitFor(() => expect([result.current.params.vmin, result.current.params.vmax]).toEqual([-59.5, -40.5]));
  });
});
