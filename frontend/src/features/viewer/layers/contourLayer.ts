/** Contour polylines, coloured by level (low levels dim, high levels bright). */
import type { ContourLine } from '../api/analysisTypes';
import type { Project } from './scene';

export function levelColour(level: number, levels: number[]): string {
  const i = Math.max(0, levels.indexOf(level));
  const t = levels.length > 1 ? i / (levels.length - 1) : 1;
  const hue = 190 - 150 * t;
  return `hsla(${hue}, 95%, 60%, 0.9)`;
}

export function drawContours(ctx: CanvasRenderingContext2D, project: Project, lines: ContourLine[], levels: number[]): void {
  if (!lines.length) return;
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  for (const line of lines) {
    ctx.strokeStyle = levelColour(line.level, levels);
    ctx.beginPath();
    line.pixels.forEach(([ax, ay], i) => {
      const [x, y] = project(ax, ay);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    if (line.closed) ctx.closePath();
    ctx.stroke();
  }
}
