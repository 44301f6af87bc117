/** The interval (black and white points) from the image's statistics. */
import type { ImageInfo, Interval } from '../api/types';

/** What an interval is computed from: the image's statistics and histogram (any of them). */
export interface IntervalSource {
  stats?: Partial<ImageInfo['stats']> | null;
  histogram?: Pick<ImageInfo['histogram'], 'counts' | 'edges'> | null;
}

/**
 * Where the display limits come from: the shown plane's statistics for a cube, once they are in
 * (`plane`; while the next plane's load, the last one's), else the image's own (for a cube, the
 * whole cube's, until its first plane's statistics arrive or when they cannot be had).
 */
export function limitsSource(info: IntervalSource, plane: IntervalSource | null | undefined): IntervalSource {
  return plane?.stats && plane.histogram ? plane : info;
}

const PERCENT: Record<string, [number, number]> = {
  '99': [0.5, 99.5],
  '99.5': [0.25, 99.75],
  '99.9': [0.05, 99.95],
};

function lookup(pcts: Record<string, number> | undefined, p: number): number | undefined {
  if (!pcts) return undefined;
  for (const k of [String(p), p.toFixed(1), p.toFixed(2), `p${p}`, `${p}%`]) {
    if (typeof pcts[k] === 'number') return pcts[k];
  }
  return undefined;
}

/** The value below which a fraction q of the histogram's pixels lie. */
export function percentileFromHistogram(counts: number[], edges: number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return edges[0] ?? 0;
  const target = (q / 100) * total;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    if (acc + counts[i] >= target) {
      const f = counts[i] ? (target - acc) / counts[i] : 0;
      return edges[i] + (edges[i + 1] - edges[i]) * f;
    }
    acc += counts[i];
  }
  return edges[edges.length - 1];
}

/** The limits keeping the pixels between two percentiles (the server's, else the histogram's). */
export function customPercentile(info: IntervalSource, lower: number, upper: number): [number, number] | null {
  const h = info.histogram;
  let lo = lookup(info.stats?.percentiles, lower);
  let hi = lookup(info.stats?.percentiles, upper);
  if ((lo === undefined || hi === undefined) && h) {
    lo = lo ?? percentileFromHistogram(h.counts, h.edges, lower);
    hi = hi ?? percentileFromHistogram(h.counts, h.edges, upper);
  }
  if (lo === undefined || hi === undefined) return null;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

export function resolveInterval(info: IntervalSource, interval: Interval): [number, number] | null {
  const s = info.stats ?? {};
  const h = info.histogram;
  const lo0 = s.min ?? h?.edges[0];
  const hi0 = s.max ?? h?.edges[h.edges.length - 1];
  if (interval === 'manual' || interval === 'percentile') return null;
  if (interval === 'minmax') return lo0 !== undefined && hi0 !== undefined ? [lo0, hi0] : null;
  if (interval === 'zscale') {
    const z = s.zscale ?? (s.percentiles && [s.percentiles.zscale_min, s.percentiles.zscale_max]);
    if (z && typeof z[0] === 'number' && typeof z[1] === 'number') return [z[0], z[1]];
    return resolveInterval(info, '99.5');
  }
  const [pl, ph] = PERCENT[interval];
  let lo = lookup(s.percentiles, pl);
  let hi = lookup(s.percentiles, ph);
  if ((lo === undefined || hi === undefined) && h) {
    lo = lo ?? percentileFromHistogram(h.counts, h.edges, pl);
    hi = hi ?? percentileFromHistogram(h.counts, h.edges, ph);
  }
  if (lo === undefined || hi === undefined) return lo0 !== undefined && hi0 !== undefined ? [lo0, hi0] : null;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}
