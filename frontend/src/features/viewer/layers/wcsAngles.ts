/** From celestial FITS cards: the angle of north on the image (degrees counter-clockwise from +y, array coordinates). */
export function northAngle(wcs: Record<string, string | number | boolean> | null | undefined): number {
  if (!wcs) return 0;
  const n = (k: string, d: number) => (wcs[k] === undefined ? d : Number(wcs[k]));
  let m11 = n('CD1_1', NaN);
  let m12 = n('CD1_2', 0);
  let m21 = n('CD2_1', 0);
  let m22 = n('CD2_2', NaN);
  if (!Number.isFinite(m11) || !Number.isFinite(m22)) {
    const c1 = n('CDELT1', 1);
    const c2 = n('CDELT2', 1);
    m11 = c1 * n('PC1_1', 1);
    m12 = c1 * n('PC1_2', 0);
    m21 = c2 * n('PC2_1', 0);
    m22 = c2 * n('PC2_2', 1);
  }
  const det = m11 * m22 - m12 * m21;
  if (!det) return 0;
  // The pixel step that moves north only: CD · v = (0, 1).
  const vx = -m12 / det;
  const vy = m11 / det;
  return (Math.atan2(-vx, vy) * 180) / Math.PI;
}
