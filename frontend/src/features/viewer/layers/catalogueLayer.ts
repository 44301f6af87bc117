/** Catalogue markers: a circle per source sized by its FWHM; hovered and selected ones stand out. */
import type { Catalogue } from '../api/analysisTypes';
import type { Project } from './scene';

export function sourceRadius(cat: Catalogue, i: number): number {
  const f = Number(cat.columns.fwhm?.[i]);
  return Number.isFinite(f) && f > 0 ? Math.min(50, f) : 3;
}

/** The source nearest to (x, y) within its marker (array coordinates), or null. */
export function sourceAt(cat: Catalogue | null, x: number, y: number, minRadius: number): number | null {
  if (!cat) return null;
  const xs = cat.columns.x;
  const ys = cat.columns.y;
  let best: number | null = null;
  let bestD = Infinity;
  for (let i = 0; i < cat.count; i++) {
    const d = Math.hypot(Number(xs[i]) - x, Number(ys[i]) - y);
    if (d <= Math.max(minRadius, sourceRadius(cat, i)) && d < bestD) {
      best = i;
      bestD = d;
    }
  }
  return best;
}

export function drawCatalogue(ctx: CanvasRenderingContext2D, project: Project, zoom: number, cat: Catalogue | null, hovered: number | null, selected: number | null): void {
  if (!cat) return;
  const xs = cat.columns.x;
  const ys = cat.columns.y;
  ctx.lineWidth = 1.2;
  ctx.strokeStyle = 'rgba(120, 255, 160, 0.9)';
  ctx.beginPath();
  for (let i = 0; i < cat.count; i++) {
    const [sx, sy] = project(Number(xs[i]), Number(ys[i]));
    const r = Math.max(3, sourceRadius(cat, i) * zoom);
    ctx.moveTo(sx + r, sy);
    ctx.arc(sx, sy, r, 0, Math.PI * 2);
  }
  ctx.stroke();
  for (const [i, colour] of [
    [hovered, '#ffffff'],
    [selected, '#ff5cbe'],
  ] as Array<[number | null, string]>) {
    if (i === null || i >= cat.count) continue;
    const [sx, sy] = project(Number(xs[i]), Number(ys[i]));
    const r = Math.max(5, sourceRadius(cat, i) * zoom + 2);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    ctx.arc(sx, sy, r, 0, Math.PI * 2);
    ctx.stroke();
  }
}
