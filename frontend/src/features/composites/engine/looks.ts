/** From the recipe draft and the engine's channel information to what the shader draws. */
import type { Adjust, ChannelInfo, ChannelRecipe } from '../api/composites';
import { curveLut, hexToLinear, hueHex, type ChannelLook, type Finish, type Stretch } from './transfer';

/** The value below which `pct` % of the histogram's pixels lie (linear within a bin). */
export function histogramPercentile(counts: number[], edges: number[], pct: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return edges[0] ?? 0;
  const want = (pct / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= want) {
      const f = counts[i] ? (want - seen) / counts[i] : 0;
      return edges[i] + f * (edges[i + 1] - edges[i]);
    }
    seen += counts[i];
  }
  return edges[edges.length - 1];
}

/** The channel's colour as #rrggbb, from a CSS colour string (hex) or a hue number. */
export function colourHex(color: ChannelRecipe['color'], fallback: string): string {
  if (typeof color === 'number') return hueHex(color);
  if (/^#[0-9a-f]{6}$/i.test(color ?? '')) return (color as string).toLowerCase();
  return fallback;
}

/** (vmin, vmax) for the draft's interval: manual limits as given, the auto-stretch's, or a
 * percentile from the histogram (the engine recomputes them exactly for exports). */
export function limitsOf(ch: ChannelRecipe, info: ChannelInfo): [number, number] {
  if (ch.auto) return [info.auto_vmin, info.auto_vmax];
  const iv = ch.interval ?? '99.5';
  const { hist_counts: c, hist_edges: e } = info;
  if (iv === 'manual') return [ch.vmin ?? info.vmin, ch.vmax ?? info.vmax];
  if (iv === 'minmax') return [e[0], e[e.length - 1]];
  if (iv === 'zscale') return [info.vmin, info.vmax];
  const keep = Number(iv);
  return [histogramPercentile(c, e, (100 - keep) / 2), histogramPercentile(c, e, 100 - (100 - keep) / 2)];
}

export function lookOf(ch: ChannelRecipe, info: ChannelInfo): ChannelLook {
  const [vmin, vmax] = limitsOf(ch, info);
  return {
    vmin,
    vmax,
    stretch: (ch.stretch ?? 'asinh') as Stretch,
    a: ch.auto ? info.auto_a : (ch.a ?? null),
    gamma: ch.auto ? info.auto_gamma : (ch.gamma ?? 1),
    black: ch.black ?? 0,
    white: ch.white ?? 1,
    curve: curveLut((ch.curve ?? 'linear') as string | number[][]),
    colour: hexToLinear(colourHex(ch.color, info.colour)),
    weight: ch.weight ?? 1,
    sky: info.sky,
  };
}

export function finishOf(a: Adjust | undefined): Finish {
  return {
    neutralise: a?.neutralise ?? true,
    black: a?.black ?? 0,
    white: a?.white ?? 1,
    midtones: a?.midtones ?? 1,
    saturation: a?.saturation ?? 1,
    vibrance: a?.vibrance ?? 0,
    hue: a?.hue ?? 0,
  };
}

/** The unsharp mask of the recipe, in composite pixels (the canvas scales the radius). */
export function sharpenOf(a: Adjust | undefined): { amount: number; radius: number; threshold: number } {
  return { amount: a?.sharpen_amount ?? 0, radius: a?.sharpen_radius ?? 1, threshold: a?.sharpen_threshold ?? 0 };
}
