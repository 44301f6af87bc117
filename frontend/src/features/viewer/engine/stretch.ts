/**
 * Stretches on a value already normalised to [0, 1] by the interval (astropy's definitions,
 * exactly as the engine renders tiles and exports: `power` is x^gamma, gamma only matters for
 * it). The fragment shader implements the same functions; this is the CPU reference
 * (tests, the 2-D fallback's transfer curve) and the single place their constants live.
 */
import type { Stretch } from '../api/types';

export const LOG_A = 1000;
export const ASINH_A = 0.1;
export const SINH_A = 1 / 3;

/** Shader stretch ids (kept in step with the GLSL `u_stretch` switch). */
export const STRETCH_ID: Record<Stretch, number> = {
  linear: 0,
  log: 1,
  sqrt: 2,
  squared: 3,
  asinh: 4,
  sinh: 5,
  power: 6,
  histeq: 7,
};

/** The `a` a stretch uses (its default when not given) and the shader's normalising constant. */
export function stretchConstants(stretch: Stretch, a?: number | null): { a: number; norm: number } {
  if (stretch === 'log') {
    const v = a ?? LOG_A;
    return { a: v, norm: Math.fround(1 / Math.log(v + 1)) };
  }
  if (stretch === 'asinh') {
    const v = a ?? ASINH_A;
    return { a: v, norm: Math.fround(1 / Math.asinh(1 / v)) };
  }
  if (stretch === 'sinh') {
    const v = a ?? SINH_A;
    return { a: v, norm: Math.fround(1 / Math.sinh(1 / v)) };
  }
  return { a: 1, norm: 1 };
}

/** Which stretches take the parameter `a`. */
export const TAKES_A: ReadonlySet<Stretch> = new Set<Stretch>(['log', 'asinh', 'sinh']);

export function applyStretch(stretch: Stretch, x: number, histeqLut?: ArrayLike<number>, gamma = 1): number {
  const t = Math.min(1, Math.max(0, x));
  switch (stretch) {
    case 'linear':
      return t;
    case 'log':
      return Math.log(LOG_A * t + 1) / Math.log(LOG_A + 1);
    case 'sqrt':
      return Math.sqrt(t);
    case 'squared':
      return t * t;
    case 'asinh':
      return Math.asinh(t / ASINH_A) / Math.asinh(1 / ASINH_A);
    case 'sinh':
      return Math.sinh(t / SINH_A) / Math.sinh(1 / SINH_A);
    case 'power':
      return gamma > 0 ? t ** gamma : t;
    case 'histeq': {
      if (!histeqLut || histeqLut.length === 0) return t;
      const n = histeqLut.length;
      const i = Math.min(n - 1, Math.floor(t * (n - 1) + 0.5));
      return histeqLut[i];
    }
  }
}

/** Contrast/bias (astropy ContrastBiasStretch): y = (x − bias)·contrast + 0.5, clipped to [0, 1]. */
export function applyContrastBias(x: number, contrast: number, bias: number): number {
  return Math.min(1, Math.max(0, (x - bias) * contrast + 0.5));
}

/** The whole per-pixel transfer: value → colour-map coordinate in [0, 1]. */
export function transfer(
  v: number,
  p: { vmin: number; vmax: number; stretch: Stretch; contrast: number; bias: number; gamma: number; invert: boolean },
  histeqLut?: ArrayLike<number>,
): number {
  const span = p.vmax - p.vmin || 1;
  let x = applyStretch(p.stretch, (v - p.vmin) / span, histeqLut, p.gamma);
  x = applyContrastBias(x, p.contrast, p.bias);
  return p.invert ? 1 - x : x;
}

/**
 * Histogram equalisation as a lookup table over the normalised interval: for n points in
 * [0, 1], the fraction of pixels (within [vmin, vmax]) at or below that value.
 */
export function histeqTable(counts: number[], edges: number[], vmin: number, vmax: number, n = 256): Float32Array {
  const out = new Float32Array(n);
  const span = vmax - vmin || 1;
  const cdf: number[] = [];
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const lo = edges[i];
    const hi = edges[i + 1];
    // the part of this bin inside [vmin, vmax]
    const overlap = Math.max(0, Math.min(hi, vmax) - Math.max(lo, vmin));
    const w = hi > lo ? overlap / (hi - lo) : 0;
    total += counts[i] * w;
    cdf.push(total);
  }
  if (total <= 0) {
    for (let i = 0; i < n; i++) out[i] = i / (n - 1);
    return out;
  }
  let bin = 0;
  for (let i = 0; i < n; i++) {
    const v = vmin + (i / (n - 1)) * span;
    while (bin < counts.length - 1 && edges[bin + 1] <= v) bin++;
    const lo = edges[bin];
    const hi = edges[bin + 1];
    const prev = bin > 0 ? cdf[bin - 1] : 0;
    const frac = hi > lo ? Math.min(1, Math.max(0, (v - Math.max(lo, vmin)) / (hi - lo))) : 1;
    out[i] = Math.min(1, Math.max(0, (prev + (cdf[bin] - prev) * frac) / total));
  }
  return out;
}
