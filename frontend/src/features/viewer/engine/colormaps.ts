/**
 * Colour maps as 256-entry RGBA lookup tables: exactly the engine's tables (generated into
 * `colormapData.ts` by scripts/gen_colormaps.py; a Python test fails if they drift). Entry i is
 * the colour of 8-bit index i, as the engine renders (index = min(floor(256 x), 255)).
 */
import { COLORMAP_RGB_HEX, type Colormap } from './colormapData';

const cache = new Map<string, Uint8Array>();

/** The map's 256 × RGBA table (reversed when `invert`, as the engine's `_r` maps). */
export function colormapLut(name: Colormap, invert = false): Uint8Array {
  const key = `${name}:${invert}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const hex = COLORMAP_RGB_HEX[name] ?? COLORMAP_RGB_HEX.gray;
  const out = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const j = invert ? 255 - i : i;
    for (let c = 0; c < 3; c++) out[i * 4 + c] = parseInt(hex.slice(j * 6 + c * 2, j * 6 + c * 2 + 2), 16);
    out[i * 4 + 3] = 255;
  }
  cache.set(key, out);
  return out;
}

/** A legend's colours (as an SVG gradient; no inline styles). */
export function colormapStops(name: Colormap, n = 8): string[] {
  const lut = colormapLut(name);
  return Array.from({ length: n }, (_, i) => {
    const j = Math.round((i / (n - 1)) * 255) * 4;
    return `rgb(${lut[j]},${lut[j + 1]},${lut[j + 2]})`;
  });
}
