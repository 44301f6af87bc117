import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import { ApiError } from '@/lib/api/errors';
import { parseChannelTile, type Composite } from './api/composites';
import { SlicePicker } from './components/ChannelCard';
import { CropControls, FinishControls, LuminanceControls } from './components/FinishControls';
import { interleave } from './engine/compositeGl';
import { sharpenOf } from './engine/looks';
import { fragmentShader, SHARPEN } from './engine/shader';
import { levelFor, placements } from './engine/tiles';
import { applyLuminance, srgbToLinear } from './engine/transfer';
import { geometryKey, withCubeSlice, type Draft } from './hooks/useBuilder';

const fetched: string[] = [];
vi.mock('@/lib/api/client', async (orig) => ({
  ...(await orig<typeof import('@/lib/api/client')>()),
  fetchBlob: vi.fn(async (url: string) => {
    fetched.push(url);
    return new Blob([new Uint8Array([1])]);
  }),
}));

const grid = { id: 'c0ffee', width: 1000, height: 600, levels: 3, tile_size: 256 };
const composite = {
  ...grid,
  channels: [
    { label: 'F090W', planes: null },
    { label: 'F444W', planes: null },
  ],
  luminance: null,
} as unknown as Composite;
const draft: Draft = { channels: [{ record_ids: ['a'] }, { record_ids: ['b'] }], grid: { mode: 'union' } };

describe('composite builder: live tiles', () => {
  it('reads the coverage alpha that follows a feathered channel tile', () => {
    const head = new Uint8Array([0x57, 0x46, 0x31, 0x36, 2, 0, 1, 0]); // "WF16", 2 x 1
    const plain = new Uint8Array([...head, 0, 0x3c, 0, 0x40]).buffer;
    expect(parseChannelTile(plain)).toMatchObject({ width: 2, height: 1, alpha: null });
    const feathered = new Uint8Array([...head, 0, 0x3c, 0, 0x40, 0, 0x38, 0, 0x3c]).buffer;
    const tile = parseChannelTile(feathered);
    expect(Array.from(tile.words)).toEqual([0x3c00, 0x4000]);
    expect(Array.from(tile.alpha ?? [])).toEqual([0x3800, 0x3c00]); // 0.5, 1.0
    expect(Array.from(interleave(tile.words, tile.alpha))).toEqual([0x3c00, 0x3800, 0x4000, 0x3c00]);
    expect(Array.from(interleave(tile.words, null))).toEqual([0x3c00, 0x3c00, 0x4000, 0x3c00]); // alpha 1
  });

  it('places the tiles of the level that fits the canvas', () => {
    expect(levelFor(grid, 200)).toBe(0);
    expect(levelFor(grid, 400)).toBe(1);
    expect(levelFor(grid, 2000)).toBe(2);
    const tiles = placements(grid, 2, { width: 500, height: 300 });
    expect(tiles).toHaveLength(4 * 3);
    const right = Math.max(...tiles.map((t) => t.dx + t.dw));
    const bottom = Math.max(...tiles.map((t) => t.dy + t.dh));
    expect(right).toBeCloseTo(500, 6);
    expect(bottom).toBeCloseTo(300, 6);
    expect(placements(grid, 0, { width: 500, height: 300 })).toHaveLength(1);
  });

  it('LRGB in the shader and its CPU reference (engine numbers)', () => {
    const out = applyLuminance([0.2, 0.1, 0.05], 0.8);
    const y = 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2];
    expect(y).toBeCloseTo(srgbToLinear(0.8), 6);
    expect(out[0] > out[1] && out[1] > out[2]).toBe(true);
    expect(applyLuminance([0, 0, 0], 0.5)).toEqual([srgbToLinear(0.5), srgbToLinear(0.5), srgbToLinear(0.5)]);
    expect(fragmentShader(3, true)).toContain('uniform sampler2D u_lum;');
    expect(fragmentShader(3, false)).not.toContain('u_lum');
    expect(fragmentShader(2)).toContain('* t.g * u_colour[1]'); // feathered alpha multiplies the light
    expect(SHARPEN).toContain('u_amount * detail');
    expect(sharpenOf({ sharpen_amount: 0.5, sharpen_radius: 2 })).toEqual({ amount: 0.5, radius: 2, threshold: 0 });
  });

  it('feathering, resolution matching, slices and luminance re-create the tiles; looks do not', () => {
    const key = geometryKey(draft);
    expect(geometryKey({ ...draft, adjust: { saturation: 2, sharpen_amount: 1 } })).toBe(key);
    expect(geometryKey({ ...draft, adjust: { feather_px: 5 } })).not.toBe(key);
    expect(geometryKey({ ...draft, adjust: { match_resolution: true } })).not.toBe(key);
    expect(geometryKey({ ...draft, luminance: { record_ids: ['a'] } })).not.toBe(key);
    expect(geometryKey({ ...draft, channels: [{ record_ids: ['a'], slice: 3 }, draft.channels[1]] })).not.toBe(key);
  });
});

describe('composite builder: controls', () => {
  it('a cube gets its first plane when the engine asks for a slice, and a plane picker', async () => {
    const err = new ApiError(422, 'slice_required', 'give the channel a slice', { record_id: 'b', planes: 40 });
    const fixed = withCubeSlice(draft, err);
    expect(fixed?.channels.map((c) => c.slice)).toEqual([undefined, 0]);
    expect(withCubeSlice(draft, new ApiError(422, 'no_overlap', 'x'))).toBeNull();
    const onChange = vi.fn();
    render(<SlicePicker label="CUBE" planes={40} value={0} onChange={onChange} />);
    const box = screen.getByRole('spinbutton', { name: 'CUBE plane (0–39)' });
    await userEvent.clear(box);
    await userEvent.type(box, '17{Enter}');
    expect(onChange).toHaveBeenLastCalledWith(17);
    fireEvent.change(box, { target: { value: '99' } });
    fireEvent.blur(box);
    expect(onChange).toHaveBeenLastCalledWith(39); // clamped to the cube
  });

  it('LRGB: a channel’s records as the luminance, auto-stretched', async () => {
    const onChange = vi.fn();
    render(<LuminanceControls draft={draft} composite={composite} onChange={onChange} />);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Luminance from' }), 'F444W');
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ luminance: expect.objectContaining({ record_ids: ['b'], auto: true }) }));
  });

  it('crop: x, y, width and height applied to the output', async () => {
    const onChange = vi.fn();
    render(<CropControls draft={draft} composite={composite} onChange={onChange} />);
    const width = screen.getByRole('spinbutton', { name: 'Crop width' });
    expect(width).toHaveValue(1000);
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Crop x' }), { target: { value: '100' } });
    fireEvent.change(width, { target: { value: '400' } });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Crop height' }), { target: { value: '300' } });
    await userEvent.click(screen.getByRole('button', { name: 'Apply crop' }));
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ output: { crop: [100, 0, 400, 300] } }));
  });

  it('sharpen, its radius, feathering and resolution matching are offered with the live look', () => {
    render(<FinishControls draft={draft} composite={composite} sizes={{}} onChange={vi.fn()} />);
    // A slider's name is its label and its shown value.
    for (const label of ['Sharpen', 'Sharpen radius \\(px\\)', 'Feather edges \\(px\\)']) {
      expect(screen.getByRole('slider', { name: new RegExp(`^${label}\\s*[-\\d.]*$`) })).toBeInTheDocument();
    }
    expect(screen.getByRole('checkbox', { name: /Match resolution/ })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Luminance (LRGB)' })).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Crop' })).toBeInTheDocument();
  });
});

describe('composite builder: the 2-D fallback without WebGL2', () => {
  it('draws the finished RGB tiles of the level that fits on a 2-D canvas', async () => {
    const { TiledFallback } = await import('./engine/fallback');
    const drawn: number[][] = [];
    const canvas = document.createElement('canvas');
    vi.spyOn(canvas, 'getContext').mockReturnValue({ drawImage: (_b: unknown, ...r: number[]) => drawn.push(r), imageSmoothingEnabled: false } as unknown as CanvasRenderingContext2D);
    vi.stubGlobal('createImageBitmap', vi.fn(async () => ({ close: () => undefined })));
    fetched.length = 0;
    const count = await new TiledFallback(canvas).draw(grid, 1000, 600, 1);
    expect(count).toBe(12);
    expect(fetched).toContain('/api/composites/c0ffee/rgb/2/3/2.png');
    expect(canvas.dataset.complete).toBe('1');
    expect(drawn.every((r) => r.length === 4)).toBe(true);
    vi.unstubAllGlobals();
  });
});
