/** The 2-D overlay above the image: RA/Dec grid, scale bar, the pinned pixel. */
import type { GridData } from '../api/types';
import { arrayToDisplay } from './geometry';
import { imageToScreen, type View, type Viewport } from './view';

const NICE_ARCSEC = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000];

/** A round length (arcsec) whose bar is 60–160 screen pixels, and that bar's length. */
export function scaleBar(arcsecPerPixel: number, zoom: number, minPx = 60, maxPx = 160): { arcsec: number; px: number; label: string } | null {
  if (!(arcsecPerPixel > 0) || !(zoom > 0)) return null;
  const perScreenPx = arcsecPerPixel / zoom;
  let pick = NICE_ARCSEC[0];
  for (const a of NICE_ARCSEC) {
    const px = a / perScreenPx;
    if (px > maxPx) break;
    pick = a;
    if (px >= minPx) break;
  }
  const px = pick / perScreenPx;
  const label = pick >= 3600 ? `${pick / 3600}°` : pick >= 60 ? `${pick / 60}′` : `${pick}″`;
  return { arcsec: pick, px, label };
}

/** Pixel scale (arcsec/px) from celestial FITS cards (CD matrix, PC+CDELT or CDELT). */
export function pixelScaleFromWcs(wcs: Record<string, string | number | boolean> | null | undefined): number | null {
  if (!wcs) return null;
  const n = (k: string) => (wcs[k] === undefined ? undefined : Number(wcs[k]));
  const cd11 = n('CD1_1');
  const cd12 = n('CD1_2') ?? 0;
  const cd21 = n('CD2_1') ?? 0;
  const cd22 = n('CD2_2');
  if (cd11 !== undefined && cd22 !== undefined) return Math.sqrt(Math.abs(cd11 * cd22 - cd12 * cd21)) * 3600;
  const c1 = n('CDELT1');
  const c2 = n('CDELT2');
  if (c1 !== undefined && c2 !== undefined) {
    const p11 = n('PC1_1') ?? 1;
    const p12 = n('PC1_2') ?? 0;
    const p21 = n('PC2_1') ?? 0;
    const p22 = n('PC2_2') ?? 1;
    return Math.sqrt(Math.abs(c1 * c2 * (p11 * p22 - p12 * p21))) * 3600;
  }
  return null;
}

export interface OverlayState {
  grid: GridData | null;
  showGrid: boolean;
  arcsecPerPixel: number | null;
  pinned: [number, number] | null; // display coords
  height: number;
  flipY: boolean;
}

export function drawOverlay(ctx: CanvasRenderingContext2D, dpr: number, v: View, vp: Viewport, s: OverlayState): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (s.showGrid && s.grid) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(120, 200, 255, 0.55)';
    ctx.beginPath();
    for (const line of s.grid.lines) {
      line.points.forEach(([ax, ay], i) => {
        const [dx, dy] = arrayToDisplay(ax, ay, s.height, s.flipY);
        const [x, y] = imageToScreen(v, vp, dx, dy);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
    }
    ctx.stroke();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = 'rgba(170, 220, 255, 0.95)';
    for (const l of s.grid.labels) {
      const [dx, dy] = arrayToDisplay(l.x, l.y, s.height, s.flipY);
      const [x, y] = imageToScreen(v, vp, dx, dy);
      if (x > -50 && y > -20 && x < vp.width + 50 && y < vp.height + 20) ctx.fillText(l.text, x + 3, y - 3);
    }
  }
  if (s.pinned) {
    const [x, y] = imageToScreen(v, vp, s.pinned[0], s.pinned[1]);
    ctx.strokeStyle = '#ffcf5c';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, Math.PI * 2);
    ctx.moveTo(x - 12, y);
    ctx.lineTo(x - 4, y);
    ctx.moveTo(x + 4, y);
    ctx.lineTo(x + 12, y);
    ctx.moveTo(x, y - 12);
    ctx.lineTo(x, y - 4);
    ctx.moveTo(x, y + 4);
    ctx.lineTo(x, y + 12);
    ctx.stroke();
  }
  const bar = s.arcsecPerPixel ? scaleBar(s.arcsecPerPixel, v.zoom) : null;
  if (bar) {
    const x0 = 16;
    const y0 = vp.height - 18;
    ctx.fillStyle = 'rgba(5, 8, 14, 0.6)';
    ctx.fillRect(x0 - 6, y0 - 18, bar.px + 12, 26);
    ctx.strokeStyle = '#e6e9ef';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x0, y0 - 4);
    ctx.lineTo(x0, y0);
    ctx.lineTo(x0 + bar.px, y0);
    ctx.lineTo(x0 + bar.px, y0 - 4);
    ctx.stroke();
    ctx.fillStyle = '#e6e9ef';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(bar.label, x0 + bar.px / 2 - 8, y0 - 6);
  }
}
