/**
 * The composite's per-channel transfer and whole-image steps, exactly as the engine computes
 * them (webbscope.imaging._composite): limits → stretch → x^gamma → black/white points → tone
 * curve (256-entry table, linear interpolation) → linear light × colour × weight, each RGB
 * component normalised by the channels' colours; then background neutralisation, sRGB, levels,
 * saturation, vibrance and hue rotation. The shader (shader.ts) implements the same steps; this
 * is the CPU reference (tests, the background colour, the histogram's transfer curve).
 */
export type Stretch = 'linear' | 'log' | 'sqrt' | 'squared' | 'asinh' | 'sinh';
export const STRETCHES: Stretch[] = ['linear', 'log', 'sqrt', 'squared', 'asinh', 'sinh'];
export const STRETCH_ID: Record<Stretch, number> = { linear: 0, log: 1, sqrt: 2, squared: 3, asinh: 4, sinh: 5 };
export const DEFAULT_A: Partial<Record<Stretch, number>> = { log: 1000, asinh: 0.1, sinh: 1 / 3 };

export const CURVES: Record<string, Array<[number, number]>> = {
  linear: [
    [0, 0],
    [1, 1],
  ],
  's-curve': [[0, 0], [0.25, 0.17], [0.5, 0.5], [0.75, 0.83], [1, 1]],
  'inverse-s': [[0, 0], [0.25, 0.33], [0.5, 0.5], [0.75, 0.67], [1, 1]],
  shadows: [[0, 0], [0.15, 0.28], [0.5, 0.66], [1, 1]],
  highlights: [[0, 0], [0.5, 0.4], [0.85, 0.78], [1, 1]],
};

export interface ChannelLook {
  vmin: number;
  vmax: number;
  stretch: Stretch;
  a: number | null;
  gamma: number;
  black: number;
  white: number;
  curve: Float32Array;
  /** Linear-light RGB. */
  colour: [number, number, number];
  weight: number;
  sky: number;
}

export interface Finish {
  neutralise: boolean;
  black: number;
  white: number;
  midtones: number;
  saturation: number;
  vibrance: number;
  hue: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function srgbToLinear(x: number): number {
  const v = clamp01(x);
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(x: number): number {
  const v = clamp01(x);
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

export function stretchValue(t: number, s: Stretch, aIn: number | null): number {
  const x = clamp01(t);
  const a = aIn ?? DEFAULT_A[s] ?? 1;
  switch (s) {
    case 'log':
      return Math.log(a * x + 1) / Math.log(a + 1);
    case 'sqrt':
      return Math.sqrt(x);
    case 'squared':
      return x * x;
    case 'asinh':
      return Math.asinh(x / a) / Math.asinh(1 / a);
    case 'sinh':
      return Math.sinh(x / a) / Math.sinh(1 / a);
    default:
      return x;
  }
}

/** Monotone cubic through the points (scipy's PchipInterpolator), sampled at n points. */
export function curveLut(curve: string | Array<[number, number]> | number[][], n = 256): Float32Array {
  let pts = (typeof curve === 'string' ? (CURVES[curve] ?? CURVES.linear) : curve).map((p) => [p[0], p[1]] as [number, number]);
  if (pts[0][0] > 0) pts = [[0, pts[0][1]], ...pts];
  if (pts[pts.length - 1][0] < 1) pts = [...pts, [1, pts[pts.length - 1][1]]];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const k = xs.length;
  const h = xs.slice(1).map((x, i) => x - xs[i]);
  const m = ys.slice(1).map((y, i) => (y - ys[i]) / h[i]);
  const d = new Array<number>(k).fill(0);
  if (k === 2) {
    d[0] = d[1] = m[0];
  } else {
    for (let i = 1; i < k - 1; i++) {
      if (m[i - 1] * m[i] <= 0) d[i] = 0;
      else {
        const w1 = 2 * h[i] + h[i - 1];
        const w2 = h[i] + 2 * h[i - 1];
        d[i] = (w1 + w2) / (w1 / m[i - 1] + w2 / m[i]);
      }
    }
    const edge = (h0: number, h1: number, m0: number, m1: number) => {
      let e = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
      if (Math.sign(e) !== Math.sign(m0)) e = 0;
      else if (Math.sign(m0) !== Math.sign(m1) && Math.abs(e) > Math.abs(3 * m0)) e = 3 * m0;
      return e;
    };
    d[0] = edge(h[0], h[1], m[0], m[1]);
    d[k - 1] = edge(h[k - 2], h[k - 3], m[k - 2], m[k - 3]);
  }
  const out = new Float32Array(n);
  let seg = 0;
  for (let j = 0; j < n; j++) {
    const x = j / (n - 1);
    while (seg < k - 2 && x > xs[seg + 1]) seg++;
    const t = (x - xs[seg]) / h[seg];
    const t2 = t * t;
    const t3 = t2 * t;
    const v =
      (2 * t3 - 3 * t2 + 1) * ys[seg] + (t3 - 2 * t2 + t) * h[seg] * d[seg] + (-2 * t3 + 3 * t2) * ys[seg + 1] + (t3 - t2) * h[seg] * d[seg + 1];
    out[j] = clamp01(k === 2 ? ys[0] + (ys[1] - ys[0]) * t : v);
  }
  return out;
}

export function applyLut(x: number, lut: Float32Array): number {
  const n = lut.length - 1;
  const pos = clamp01(x) * n;
  const i = Math.min(Math.floor(pos), n - 1);
  return lut[i] + (pos - i) * (lut[i + 1] - lut[i]);
}

/** Data value → display intensity in [0, 1] (NaN → 0). */
export function transfer(v: number, c: ChannelLook): number {
  if (!Number.isFinite(v)) return 0;
  const span = c.vmax - c.vmin;
  let x = span !== 0 ? (v - c.vmin) / span : v - c.vmin;
  x = stretchValue(x, c.stretch, c.a);
  if (c.gamma !== 1) x = x ** c.gamma;
  if (c.black !== 0 || c.white !== 1) x = clamp01((x - c.black) / Math.max(1e-6, c.white - c.black));
  return applyLut(x, c.curve);
}

/** Each channel's colour × weight × the per-component normalisation (what the shader adds up). */
export function mixWeights(looks: ChannelLook[]): Array<[number, number, number]> {
  const total = [0, 1, 2].map((i) => looks.reduce((s, c) => s + c.colour[i], 0));
  const norm = total.map((t) => (t > 0 ? 1 / Math.max(t, 1e-12) : 0));
  return looks.map((c) => [0, 1, 2].map((i) => c.colour[i] * norm[i] * c.weight) as [number, number, number]);
}

/** Linear RGB of the channels' sky levels (the colour neutralisation removes). */
export function backgroundRgb(looks: ChannelLook[]): [number, number, number] {
  const w = mixWeights(looks);
  const out: [number, number, number] = [0, 0, 0];
  looks.forEach((c, i) => {
    const lin = srgbToLinear(transfer(c.sky, c));
    for (let k = 0; k < 3; k++) out[k] += lin * w[i][k];
  });
  return out;
}

/** The CSS filter hue-rotate() matrix (row-major). */
export function hueMatrix(deg: number): number[] {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  return [
    0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928,
    0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.14, 0.072 - c * 0.072 - s * 0.283,
    0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072,
  ];
}

/** #rrggbb (sRGB) → linear RGB. */
export function hexToLinear(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => srgbToLinear(parseInt(h.slice(i, i + 2), 16) / 255)) as [number, number, number];
}

/** A fully saturated colour of a hue (0 red, 120 green, 240 blue) as #rrggbb. */
export function hueHex(hue: number): string {
  const h = (((hue % 360) + 360) % 360) / 60;
  const x = 1 - Math.abs((h % 2) - 1);
  const [r, g, b] = h < 1 ? [1, x, 0] : h < 2 ? [x, 1, 0] : h < 3 ? [0, 1, x] : h < 4 ? [0, x, 1] : h < 5 ? [x, 0, 1] : [1, 0, x];
  return `#${[r, g, b].map((v) => Math.round(v * 255).toString(16).padStart(2, '0')).join('')}`;
}

/** Hues from blue (shortest wavelength) to red (longest), for any number of channels. */
export function wavelengthHues(n: number): number[] {
  if (n <= 1) return n === 1 ? [0] : [];
  return Array.from({ length: n }, (_, i) => 240 - (240 * i) / (n - 1));
}

/** LRGB as the engine applies it (and the shader): linear RGB scaled so its relative luminance
 *  is the luminance channel's display intensity `lum` decoded to linear light; black becomes grey. */
export function applyLuminance(rgb: [number, number, number], lum: number): [number, number, number] {
  const y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  const target = srgbToLinear(lum);
  return y > 1e-6 ? (rgb.map((v) => (v * target) / y) as [number, number, number]) : [target, target, target];
}
