import type { ImageInfo, RenderParams } from '../api/types';
import { DEFAULT_PARAMS } from '../hooks/useRenderParams';
import { ViewerEngine } from './ViewerEngine';

// The WebGL renderer, as a recorder: which histeq curves it was given and how often it drew.
const gl = { gl: { getExtension: () => null }, setHisteq: vi.fn(), draw: vi.fn(), setNanColour: vi.fn(), resize: vi.fn(), isLost: () => false, finish: vi.fn(), upload: vi.fn(), deleteTexture: vi.fn() };
vi.mock('./glRenderer', () => ({ GlRenderer: { create: () => gl } }));
const fetchView = vi.fn();
vi.mock('../api/viewer', () => ({
  fetchView: (...args: unknown[]) => fetchView(...args),
  fetchF16Tile: () => new Promise(() => undefined), // tiles never arrive: only the curve matters here
  fetchImageTile: () => new Promise(() => undefined),
  tileUrl: () => 'tile',
}));

const HIST = { counts: [90, 5, 5], edges: [0, 1, 2, 3], total: 100, sampled: false, log: false };

function image(planes: number): ImageInfo {
  return {
    ext: 'SCI',
    index: 1,
    shape: planes > 1 ? [planes, 64, 64] : [64, 64],
    cube: planes > 1 ? { size: planes, axis: 3, values: [], unit: 'um' } : null,
    stats: { min: 0, max: 3 },
    histogram: HIST,
    tile_size: 256,
  } as unknown as ImageInfo;
}

const HISTEQ: RenderParams = { ...DEFAULT_PARAMS, stretch: 'histeq', vmin: 0, vmax: 3 };

function engine(info: ImageInfo, params = HISTEQ): ViewerEngine {
  const canvas = document.createElement('canvas');
  const e = new ViewerEngine({ canvas, overlay: document.createElement('canvas'), recordId: 'r1', info, params });
  e.resize(64, 64, 1);
  return e;
}

function curve(v: number): Float32Array {
  return new Float32Array(65536).fill(v);
}

/** A promise and its resolver. */
function later<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const drawn = () => gl.draw.mock.calls.length;
const lastCurve = () => gl.setHisteq.mock.calls.at(-1)?.[0] as Float32Array | null | undefined;

describe("a cube's histeq draw waits for the engine's curve of the shown plane", () => {
  beforeEach(() => {
    gl.setHisteq.mockReset();
    gl.draw.mockReset();
    fetchView.mockReset();
  });

  it('a cube draws nothing with the whole cube’s histogram: it waits, then draws with the plane’s curve', async () => {
    const answer = later<{ vmin: number; vmax: number; curve: Float32Array }>();
    fetchView.mockReturnValue(answer.promise);
    const e = engine(image(3));
    e.render();
    await new Promise((r) => requestAnimationFrame(r)); // a scheduled frame too
    expect(drawn()).toBe(0);
    expect(gl.setHisteq).not.toHaveBeenCalled(); // no curve made from the whole cube's histogram
    expect(e.metrics.complete).toBe(false);
    answer.resolve({ vmin: 0, vmax: 3, curve: curve(0.25) });
    await vi.waitFor(() => expect(lastCurve()?.[0]).toBe(0.25));
    e.render();
    expect(drawn()).toBeGreaterThan(0);
    expect(fetchView.mock.calls[0][1]).toMatchObject({ slice: 0, stretch: 'histeq' });
    e.destroy();
  });

  it('another plane keeps the last frame until its own curve is in (none from the whole cube)', async () => {
    const answers = [later<{ vmin: number; vmax: number; curve: Float32Array }>(), later<{ vmin: number; vmax: number; curve: Float32Array }>()];
    fetchView.mockReturnValueOnce(answers[0].promise).mockReturnValueOnce(answers[1].promise);
    const e = engine(image(3));
    answers[0].resolve({ vmin: 0, vmax: 3, curve: curve(0.25) });
    await vi.waitFor(() => expect(lastCurve()?.[0]).toBe(0.25));
    e.render();
    const before = drawn();
    expect(before).toBeGreaterThan(0);
    e.setParams({ ...HISTEQ, slice: 2, vmin: 1, vmax: 2 });
    e.render();
    await new Promise((r) => requestAnimationFrame(r)); // a scheduled frame too
    expect(drawn()).toBe(before); // held: the canvas keeps plane 0's frame
    expect(e.metrics.complete).toBe(false);
    expect(gl.setHisteq).toHaveBeenCalledTimes(1);
    answers[1].resolve({ vmin: 1, vmax: 2, curve: curve(0.75) });
    await vi.waitFor(() => expect(lastCurve()?.[0]).toBe(0.75));
    e.render();
    expect(drawn()).toBeGreaterThan(before);
    expect(fetchView.mock.calls[1][1]).toMatchObject({ slice: 2, vmin: 1, vmax: 2 });
    e.destroy();
  });

  it('if the curve cannot be had, a cube falls back to the histogram’s rather than never drawing', async () => {
    fetchView.mockRejectedValue(new Error('engine unreachable'));
    const e = engine(image(3));
    expect(gl.setHisteq).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(lastCurve()?.length).toBe(65536));
    e.render();
    expect(drawn()).toBeGreaterThan(0);
    e.destroy();
  });

  it('a 2-D image draws at once with its own histogram’s curve, then the engine’s', async () => {
    const answer = later<{ vmin: number; vmax: number; curve: Float32Array }>();
    fetchView.mockReturnValue(answer.promise);
    const e = engine(image(1));
    expect(lastCurve()?.length).toBe(65536); // from the image's own histogram
    e.render();
    expect(drawn()).toBeGreaterThan(0);
    answer.resolve({ vmin: 0, vmax: 3, curve: curve(0.5) });
    await vi.waitFor(() => expect(lastCurve()?.[0]).toBe(0.5));
    e.destroy();
  });

  it('other stretches never wait for a curve', () => {
    const e = engine(image(3), { ...HISTEQ, stretch: 'asinh' });
    e.render();
    expect(drawn()).toBeGreaterThan(0);
    expect(fetchView).not.toHaveBeenCalled();
    e.destroy();
  });
});
