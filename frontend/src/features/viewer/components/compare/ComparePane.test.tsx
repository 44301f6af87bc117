import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import type { ImageInfo, PlaneStats, RenderParams } from '../../api/types';
import { ComparePane } from './ComparePane';

// The canvas, as a recorder of the parameters it is asked to draw with.
vi.mock('../ViewerCanvas', () => ({
  ViewerCanvas: ({ params }: { params: RenderParams }) => <div data-testid="canvas" data-vmin={params.vmin} data-vmax={params.vmax} data-slice={params.slice} />,
}));
const getPlaneStats = vi.fn();
vi.mock('../../api/viewer', async (original) => ({
  ...(await original<typeof import('../../api/viewer')>()),
  getPlaneStats: (...args: unknown[]) => getPlaneStats(...args),
}));

class NoResize {
  observe() {}
  disconnect() {}
}

/** Statistics whose 99.5% interval is [lo, hi]. */
function stats(lo: number, hi: number) {
  return {
    stats: { min: lo - 1, max: hi + 1, exact_minmax: false, percentiles: { '0.25': lo, '99.75': hi }, zscale: null, samples: 100 },
    histogram: { counts: [1, 2, 1], edges: [lo - 1, lo, hi, hi + 1], total: 4, sampled: true, log: false },
  };
}

function info(planes: number): ImageInfo {
  const cube = planes > 1 ? { size: planes, axis: 3, values: [], unit: 'um' } : null;
  return { ext: 'SCI', index: 1, shape: planes > 1 ? [planes, 8, 8] : [8, 8], cube, ...stats(0, 1000) } as unknown as ImageInfo;
}

function show(id: string, image: ImageInfo) {
  const client = new QueryClient();
  render(
    <QueryClientProvider client={client}>
      <ComparePane id={id} info={image} label={id} onEngine={() => undefined} onView={() => undefined} turn={null} />
    </QueryClientProvider>,
  );
  return () => screen.getByTestId('canvas').dataset;
}

describe('a compare pane takes its limits from the shown plane, as the viewer does', () => {
  beforeEach(() => {
    vi.stubGlobal('ResizeObserver', NoResize);
    getPlaneStats.mockReset();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("a cube: the whole cube's limits only until the shown plane's arrive", async () => {
    getPlaneStats.mockImplementation(async (_id: string, ext: string, k: number): Promise<PlaneStats> => ({ ext, slice: k, ...stats(100, 200) }) as PlaneStats);
    const canvas = show('cube', info(4));
    expect([canvas().vmin, canvas().vmax]).toEqual(['0', '1000']);
    await waitFor(() => expect([canvas().vmin, canvas().vmax]).toEqual(['100', '200']));
    expect(getPlaneStats.mock.calls.map((c) => c.slice(0, 3))).toEqual([['cube', 'SCI', 0]]);
    expect(canvas().slice).toBe('0');
  });

  it('a 2-D image: its own limits, and no plane statistics asked for', () => {
    const canvas = show('flat', info(1));
    expect([canvas().vmin, canvas().vmax]).toEqual(['0', '1000']);
    expect(getPlaneStats).not.toHaveBeenCalled();
  });

  it("a cube whose plane statistics cannot be had keeps the whole cube's limits", async () => {
    getPlaneStats.mockRejectedValue(new Error('engine unreachable'));
    const canvas = show('broken', info(3));
    await waitFor(() => expect(getPlaneStats).toHaveBeenCalled());
    expect([canvas().vmin, canvas().vmax]).toEqual(['0', '1000']);
  });
});
