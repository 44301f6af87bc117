/**
 * A mosaic's input footprints: each input's outline in the mosaic's pixels (the job stores
 * them in the record's `metadata.mosaic.outlines`), drawn as dashed quadrilaterals with the
 * input's name at the first corner.
 */
import type { Project } from './scene';

export interface Footprint {
  id: string;
  name: string;
  /** (x, y) corners in array coordinates (0-based pixels). */
  points: Array<[number, number]>;
}

const COLOURS = ['#ffd24d', '#4dd2ff', '#ff7a4d', '#9dff4d', '#d24dff', '#4dffb8'];

/** The footprints of a mosaic record's metadata, or [] for any other record. */
export function mosaicFootprints(metadata: Record<string, unknown> | null | undefined): Footprint[] {
  const mosaic = metadata?.mosaic as { outlines?: Record<string, { name?: string; xy?: number[] }> } | undefined;
  const outlines = mosaic?.outlines;
  if (!outlines || typeof outlines !== 'object') return [];
  const out: Footprint[] = [];
  for (const [id, o] of Object.entries(outlines)) {
    const xy = Array.isArray(o?.xy) ? o.xy.map(Number) : [];
    if (xy.length < 6 || xy.length % 2 || !xy.every(Number.isFinite)) continue;
    const points: Array<[number, number]> = [];
    for (let i = 0; i < xy.length; i += 2) points.push([xy[i], xy[i + 1]]);
    out.push({ id, name: String(o?.name ?? id), points });
  }
  return out;
}

export function drawFootprints(ctx: CanvasRenderingContext2D, project: Project, footprints: Footprint[]): void {
  if (!footprints.length) return;
  ctx.save();
  ctx.lineWidth = 1.5;
  ctx.setLineDash([6, 4]);
  ctx.font = '11px system-ui, sans-serif';
  footprints.forEach((f, k) => {
    const colour = COLOURS[k % COLOURS.length];
    ctx.strokeStyle = colour;
    ctx.beginPath();
    f.points.forEach(([x, y], i) => {
      const [sx, sy] = project(x, y);
      if (i === 0) ctx.moveTo(sx, sy);
      else ctx.lineTo(sx, sy);
    });
    ctx.closePath();
    ctx.stroke();
    const [lx, ly] = project(f.points[0][0], f.points[0][1]);
    ctx.fillStyle = colour;
    ctx.fillText(f.name, lx + 4, ly - 4);
  });
  ctx.restore();
}
