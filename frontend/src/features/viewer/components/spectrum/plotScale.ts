/** Axis scales and ticks for the spectrum plot. */

export function extent(values: Array<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return null;
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

/** About `n` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The index of the value in a sorted array nearest to `x`. */
export function nearest(sorted: Array<number | null>, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? -Infinity) < x) lo = mid;
    else hi = mid;
  }
  return Math.abs((sorted[lo] ?? Infinity) - x) <= Math.abs((sorted[hi] ?? Infinity) - x) ? lo : hi;
}
