/** Annotations: text, arrows, circles, rulers (with their length in arcsec) and a compass. */
import type { Annotation } from '../api/analysisTypes';
import type { Project, Scene } from './scene';

type Drawable = Pick<Annotation, 'type' | 'points' | 'text' | 'radius' | 'color'> & { length_arcsec?: number | null; elsewhere?: boolean };

export function rulerLabel(lengthArcsec: number | null | undefined, pixels: number, arcsecPerPixel: number | null): string {
  const arcsec = lengthArcsec ?? (arcsecPerPixel ? pixels * arcsecPerPixel : null);
  if (arcsec === null) return `${pixels.toFixed(1)} px`;
  if (arcsec >= 60) return `${(arcsec / 60).toFixed(2)}′`;
  return `${arcsec.toFixed(arcsec < 1 ? 3 : 2)}″`;
}

function arrowHead(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, size = 10): void {
  const a = Math.atan2(y1 - y0, x1 - x0);
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(a - 0.4), y1 - size * Math.sin(a - 0.4));
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(a + 0.4), y1 - size * Math.sin(a + 0.4));
}

function drawOne(ctx: CanvasRenderingContext2D, project: Project, zoom: number, a: Drawable, s: Scene): void {
  const pts = a.points.filter((p): p is [number, number] => p !== null);
  if (!pts.length) return;
  const [x0, y0] = project(pts[0][0], pts[0][1]);
  ctx.strokeStyle = a.color;
  ctx.fillStyle = a.color;
  ctx.lineWidth = 1.8;
  ctx.setLineDash(a.elsewhere ? [6, 4] : []);
  ctx.font = '13px system-ui, sans-serif';
  ctx.beginPath();
  switch (a.type) {
    case 'text':
      ctx.fillText(a.text ?? '', x0, y0);
      break;
    case 'circle':
      ctx.arc(x0, y0, Math.max(2, (a.radius ?? 5) * zoom), 0, Math.PI * 2);
      if (a.text) ctx.fillText(a.text, x0 + (a.radius ?? 5) * zoom + 4, y0);
      break;
    case 'arrow':
    case 'ruler': {
      if (pts.length < 2) break;
      const [x1, y1] = project(pts[1][0], pts[1][1]);
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      if (a.type === 'arrow') arrowHead(ctx, x0, y0, x1, y1);
      else {
        const px = Math.hypot(pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]);
        ctx.fillText(rulerLabel(a.length_arcsec, px, s.arcsecPerPixel), (x0 + x1) / 2 + 6, (y0 + y1) / 2 - 6);
      }
      if (a.text) ctx.fillText(a.text, x1 + 4, y1);
      break;
    }
    case 'compass': {
      // North and east arms in array coordinates, projected (the display may flip y).
      const len = 40 / Math.max(zoom, 1e-6);
      const n = (s.northAngle * Math.PI) / 180;
      const north: [number, number] = [pts[0][0] - len * Math.sin(n), pts[0][1] + len * Math.cos(n)];
      const east: [number, number] = [pts[0][0] - len * Math.cos(n), pts[0][1] - len * Math.sin(n)];
      for (const [end, label] of [
        [north, 'N'],
        [east, 'E'],
      ] as Array<[[number, number], string]>) {
        const [x1, y1] = project(end[0], end[1]);
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        arrowHead(ctx, x0, y0, x1, y1, 7);
        ctx.fillText(label, x1 + (x1 - x0) * 0.15 - 4, y1 + (y1 - y0) * 0.15 + 4);
      }
      break;
    }
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

export function drawAnnotations(ctx: CanvasRenderingContext2D, project: Project, zoom: number, s: Scene): void {
  for (const a of s.annotations) drawOne(ctx, project, zoom, a, s);
  if (s.annotationDraft) drawOne(ctx, project, zoom, s.annotationDraft, s);
}
