/** Affine maps between the pixels of two records of the same field (from three matched points). */

export type Affine = [number, number, number, number, number, number]; // x' = a x + b y + c; y' = d x + e y + f

/** The affine map taking points p[i] to q[i] (three points, not on a line). */
export function affineFrom(p: Array<[number, number]>, q: Array<[number, number]>): Affine | null {
  const [[x1, y1], [x2, y2], [x3, y3]] = p;
  const det = x1 * (y2 - y3) - x2 * (y1 - y3) + x3 * (y1 - y2);
  if (Math.abs(det) < 1e-12) return null;
  const solve = (v1: number, v2: number, v3: number): [number, number, number] => [
    (v1 * (y2 - y3) - v2 * (y1 - y3) + v3 * (y1 - y2)) / det,
    (x1 * (v2 - v3) - x2 * (v1 - v3) + x3 * (v1 - v2)) / det,
    (x1 * (y2 * v3 - y3 * v2) - x2 * (y1 * v3 - y3 * v1) + x3 * (y1 * v2 - y2 * v1)) / det,
  ];
  const [a, b, c] = solve(q[0][0], q[1][0], q[2][0]);
  const [d, e, f] = solve(q[0][1], q[1][1], q[2][1]);
  return [a, b, c, d, e, f];
}

export function apply(m: Affine, [x, y]: [number, number]): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function invert(m: Affine): Affine | null {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-15) return null;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

/** How many pixels of the target one source pixel spans (for locking the zoom). */
export function scaleOf(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/** The CSS matrix (a, b, c, d of `matrix(a, b, c, d, 0, 0)`) that turns a record's displayed
 * image to the first record's orientation, from the array → array map `m` (first → this one),
 * scale removed: a rotation, or a reflection when the two differ in parity. Display y runs
 * down while array y runs up, so the turn is S·L⁻¹·S with S = diag(1, −1). Null when the two
 * are already aligned (within a tenth of a degree). */
export function turnOf(m: Affine): [number, number, number, number] | null {
  const [a, b, , d, e] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-15) return null;
  const k = Math.sign(det) * Math.sqrt(Math.abs(det));
  const [t11, t12, t21, t22] = [e / k, b / k, d / k, a / k];
  if (det > 0 && Math.abs(t12) < 1.8e-3 && Math.abs(t21) < 1.8e-3 && t11 > 0) return null;
  return [t11, t21, t12, t22];
}
