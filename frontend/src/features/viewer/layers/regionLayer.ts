/** Regions: outlines, the selected one with its handles, the one being drawn (dashed). */
import type { Region, SavedRegion } from '../api/analysisTypes';
import { handles, outline } from './regionGeometry';
import type { Project } from './scene';

function path(ctx: CanvasRenderingContext2D, project: Project, r: Region): void {
  const pts = outline(r);
  ctx.beginPath();
  if (r.shape === 'point') {
    const [x, y] = project(pts[0][0], pts[0][1]);
    ctx.moveTo(x - 6, y);
    ctx.lineTo(x + 6, y);
    ctx.moveTo(x, y - 6);
    ctx.lineTo(x, y + 6);
    return;
  }
  pts.forEach(([ax, ay], i) => {
    const [x, y] = project(ax, ay);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  if (r.shape !== 'polygon' || pts.length > 2) ctx.closePath();
}

export function drawRegions(ctx: CanvasRenderingContext2D, project: Project, regions: SavedRegion[], selected: string | null, draft: Region | null): void {
  ctx.lineWidth = 1.5;
  for (const r of regions) {
    const on = r.id === selected;
    ctx.strokeStyle = on ? '#ffffff' : r.color;
    ctx.setLineDash([]);
    path(ctx, project, r.region);
    ctx.stroke();
    if (r.label) {
      const pts = outline(r.region);
      const top = pts.reduce((a, p) => (p[1] > a[1] ? p : a), pts[0]);
      const [x, y] = project(top[0], top[1]);
      ctx.fillStyle = r.color;
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText(r.label, x + 4, y - 4);
    }
    if (on) {
      ctx.fillStyle = '#ffffff';
      for (const [hx, hy] of handles(r.region)) {
        const [x, y] = project(hx, hy);
        ctx.fillRect(x - 4, y - 4, 8, 8);
      }
    }
  }
  if (draft) {
    ctx.strokeStyle = '#ffcf5c';
    ctx.setLineDash([5, 4]);
    path(ctx, project, draft);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
