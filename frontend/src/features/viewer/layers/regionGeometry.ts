/**
 * Region geometry in array coordinates (0-based FITS pixels, y up): outlines for drawing,
 * hit tests, drawing by drag, moving, resizing with handles and nudging. Angles are degrees
 * counter-clockwise from +x; ellipses take semi-axes a, b.
 */
import type { Region, Shape } from '../api/analysisTypes';

export type Pt = [number, number];

const rad = (deg: number) => (deg * Math.PI) / 180;

function rotate([x, y]: Pt, deg: number): Pt {
  const c = Math.cos(rad(deg));
  const s = Math.sin(rad(deg));
  return [x * c - y * s, x * s + y * c];
}

export function centre(r: Region): Pt {
  if (r.shape === 'polygon') {
    const pts = r.points ?? [];
    const n = Math.max(1, pts.length);
    return [pts.reduce((a, p) => a + p[0], 0) / n, pts.reduce((a, p) => a + p[1], 0) / n];
  }
  return [r.x ?? 0, r.y ?? 0];
}

/** The outline as a closed polygon (a single point for points). */
export function outline(r: Region, steps = 72): Pt[] {
  const [cx, cy] = centre(r);
  switch (r.shape) {
    case 'circle':
    case 'ellipse': {
      const a = r.shape === 'circle' ? (r.r ?? 0) : (r.a ?? 0);
      const b = r.shape === 'circle' ? (r.r ?? 0) : (r.b ?? 0);
      const out: Pt[] = [];
      for (let i = 0; i < steps; i++) {
        const t = (2 * Math.PI * i) / steps;
        const [dx, dy] = rotate([a * Math.cos(t), b * Math.sin(t)], r.angle ?? 0);
        out.push([cx + dx, cy + dy]);
      }
      return out;
    }
    case 'rectangle': {
      const w = (r.width ?? 0) / 2;
      const h = (r.height ?? 0) / 2;
      return ([[-w, -h], [w, -h], [w, h], [-w, h]] as Pt[]).map((p) => {
        const [dx, dy] = rotate(p, r.angle ?? 0);
        return [cx + dx, cy + dy];
      });
    }
    case 'polygon':
      return (r.points ?? []).map((p) => [p[0], p[1]]);
    default:
      return [[cx, cy]];
  }
}

/** Even-odd point-in-polygon. */
export function insidePolygon(pts: Pt[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Handles (resize points) of a region: circle radius, ellipse a and b, rectangle corner, polygon vertices. */
export function handles(r: Region): Pt[] {
  const [cx, cy] = centre(r);
  const ang = r.angle ?? 0;
  const at = (p: Pt): Pt => {
    const [dx, dy] = rotate(p, ang);
    return [cx + dx, cy + dy];
  };
  switch (r.shape) {
    case 'circle':
      return [[cx + (r.r ?? 0), cy]];
    case 'ellipse':
      return [at([r.a ?? 0, 0]), at([0, r.b ?? 0])];
    case 'rectangle':
      return [at([(r.width ?? 0) / 2, (r.height ?? 0) / 2])];
    case 'polygon':
      return (r.points ?? []).map((p) => [p[0], p[1]]);
    default:
      return [];
  }
}

export type Hit = { kind: 'handle'; index: number } | { kind: 'body' } | null;

/** What of the region is at (x, y): a handle within `tol` pixels, its body, or nothing. */
export function hitTest(r: Region, x: number, y: number, tol: number): Hit {
  const hs = handles(r);
  for (let i = 0; i < hs.length; i++) if (Math.hypot(hs[i][0] - x, hs[i][1] - y) <= tol) return { kind: 'handle', index: i };
  if (r.shape === 'point') {
    const [cx, cy] = centre(r);
    return Math.hypot(cx - x, cy - y) <= tol * 1.5 ? { kind: 'body' } : null;
  }
  return insidePolygon(outline(r), x, y) ? { kind: 'body' } : null;
}

export function moveRegion(r: Region, dx: number, dy: number): Region {
  if (r.shape === 'polygon') return { ...r, points: (r.points ?? []).map(([x, y]) => [x + dx, y + dy]) };
  return { ...r, x: (r.x ?? 0) + dx, y: (r.y ?? 0) + dy };
}

/** The region with handle `index` dragged to (x, y). */
export function resizeRegion(r: Region, index: number, x: number, y: number): Region {
  const [cx, cy] = centre(r);
  const [lx, ly] = rotate([x - cx, y - cy], -(r.angle ?? 0));
  const min = 0.5;
  switch (r.shape) {
    case 'circle':
      return { ...r, r: Math.max(min, Math.hypot(x - cx, y - cy)) };
    case 'ellipse':
      return index === 0 ? { ...r, a: Math.max(min, Math.abs(lx)) } : { ...r, b: Math.max(min, Math.abs(ly)) };
    case 'rectangle':
      return { ...r, width: Math.max(min, 2 * Math.abs(lx)), height: Math.max(min, 2 * Math.abs(ly)) };
    case 'polygon': {
      const points = (r.points ?? []).map((p, i): [number, number] => (i === index ? [x, y] : [p[0], p[1]]));
      return { ...r, points };
    }
    default:
      return r;
  }
}

/** A new region from a drag between two points (polygons are built vertex by vertex). */
export function regionFromDrag(shape: Shape, a: Pt, b: Pt): Region {
  const round = (v: number) => Math.round(v * 100) / 100;
  switch (shape) {
    case 'circle':
      return { shape, x: round(a[0]), y: round(a[1]), r: round(Math.max(0.5, Math.hypot(b[0] - a[0], b[1] - a[1]))) };
    case 'ellipse':
      return { shape, x: round(a[0]), y: round(a[1]), a: round(Math.max(0.5, Math.abs(b[0] - a[0]))), b: round(Math.max(0.5, Math.abs(b[1] - a[1]))), angle: 0 };
    case 'rectangle':
      return {
        shape,
        x: round((a[0] + b[0]) / 2),
        y: round((a[1] + b[1]) / 2),
        width: round(Math.max(0.5, Math.abs(b[0] - a[0]))),
        height: round(Math.max(0.5, Math.abs(b[1] - a[1]))),
        angle: 0,
      };
    case 'point':
      return { shape, x: round(b[0]), y: round(b[1]) };
    default:
      return { shape: 'polygon', points: [a, b] };
  }
}

/** Arrow keys move a region by `step` pixels (y up in array coordinates). */
export function nudge(r: Region, key: string, step: number): Region | null {
  const d: Record<string, Pt> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
  return d[key] ? moveRegion(r, d[key][0], d[key][1]) : null;
}

/** A one-line description of a region (for lists and screen readers). */
export function describe(r: Region): string {
  const f = (v: number | undefined) => (v ?? 0).toFixed(1);
  switch (r.shape) {
    case 'circle':
      return `circle at (${f(r.x)}, ${f(r.y)}), r ${f(r.r)} px`;
    case 'ellipse':
      return `ellipse at (${f(r.x)}, ${f(r.y)}), ${f(r.a)} × ${f(r.b)} px, ${f(r.angle)}°`;
    case 'rectangle':
      return `rectangle at (${f(r.x)}, ${f(r.y)}), ${f(r.width)} × ${f(r.height)} px, ${f(r.angle)}°`;
    case 'polygon':
      return `polygon of ${(r.points ?? []).length} vertices`;
    default:
      return `point at (${f(r.x)}, ${f(r.y)})`;
  }
}
