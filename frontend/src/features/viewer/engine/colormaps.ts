/**
 * Colour maps as 256-entry RGBA lookup tables, interpolated from control points (matplotlib's
 * perceptual maps sampled at 9–11 points; close enough on screen, and 1 KB of code).
 */
import type { Colormap } from '../api/types';

type Stop = [number, number, number];

const STOPS: Record<Colormap, Stop[]> = {
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84], [72, 36, 117], [65, 68, 135], [53, 95, 141], [42, 120, 142],
    [33, 145, 140], [34, 168, 132], [68, 191, 112], [122, 209, 81], [189, 223, 38], [253, 231, 37],
  ],
  inferno: [
    [0, 0, 4], [22, 11, 57], [66, 10, 104], [106, 23, 110], [147, 38, 103],
    [188, 55, 84], [221, 81, 58], [243, 120, 25], [252, 165, 10], [246, 215, 70], [252, 255, 164],
  ],
  magma: [
    [0, 0, 4], [20, 14, 54], [59, 15, 112], [100, 26, 128], [140, 41, 129],
    [183, 55, 121], [222, 73, 104], [247, 112, 92], [254, 159, 109], [254, 207, 146], [252, 253, 191],
  ],
  plasma: [
    [13, 8, 135], [65, 4, 157], [106, 0, 168], [143, 13, 164], [177, 42, 144],
    [204, 71, 120], [225, 100, 98], [242, 132, 75], [252, 166, 54], [252, 206, 37], [240, 249, 33],
  ],
  cividis: [
    [0, 34, 78], [18, 53, 112], [59, 73, 108], [87, 93, 109], [112, 113, 115],
    [138, 134, 120], [165, 156, 116], [193, 179, 105], [222, 203, 88], [253, 231, 55], [254, 232, 56],
  ],
  hot: [
    [11, 0, 0], [128, 0, 0], [245, 0, 0], [255, 117, 0], [255, 245, 0], [255, 255, 128], [255, 255, 255],
  ],
  cool: [
    [0, 255, 255],
    [255, 0, 255],
  ],
  turbo: [
    [48, 18, 59], [70, 107, 227], [41, 187, 236], [49, 242, 153], [162, 252, 60],
    [237, 208, 58], [251, 128, 34], [208, 47, 5], [122, 4, 3],
  ],
};

const cache = new Map<Colormap, Uint8Array>();

export function colormapLut(name: Colormap, n = 256): Uint8Array {
  const hit = n === 256 ? cache.get(name) : undefined;
  if (hit) return hit;
  const stops = STOPS[name] ?? STOPS.gray;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const t = (i / (n - 1)) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
    out[i * 4 + 3] = 255;
  }
  if (n === 256) cache.set(name, out);
  return out;
}

/** A CSS gradient's colours for a legend (as an SVG gradient; no inline styles). */
export function colormapStops(name: Colormap, n = 8): string[] {
  const lut = colormapLut(name);
  return Array.from({ length: n }, (_, i) => {
    const j = Math.round((i / (n - 1)) * 255) * 4;
    return `rgb(${lut[j]},${lut[j + 1]},${lut[j + 2]})`;
  });
}
