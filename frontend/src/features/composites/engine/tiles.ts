/**
 * The composite's 256-pixel tile pyramid as the canvas sees it (the same geometry as the engine's
 * channel and RGB tiles): which level fits a canvas, and where each tile of a level goes in a
 * viewport where the whole composite is fitted and centred. Shared by the WebGL view and the 2-D
 * fallback.
 */
export interface GridInfo {
  id: string;
  width: number;
  height: number;
  levels: number;
  tile_size: number;
}

export interface Placement {
  level: number;
  x: number;
  y: number;
  /** Where the tile is drawn, in CSS pixels of the viewport. */
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

/** The coarsest level at least as wide as the canvas in device pixels (or full resolution). */
export function levelFor(grid: GridInfo, cssWidth: number, dpr = 1): number {
  const top = grid.levels - 1;
  const want = cssWidth * dpr;
  for (let l = 0; l <= top; l++) if (Math.ceil(grid.width / 2 ** (top - l)) >= want) return l;
  return top;
}

/** Every tile of `level` with its place in a `vp` viewport (the composite fitted, centred). */
export function placements(grid: GridInfo, level: number, vp: { width: number; height: number }): Placement[] {
  const { width: W, height: H, tile_size: T } = grid;
  const s = 2 ** (grid.levels - 1 - level);
  const lw = Math.ceil(W / s);
  const lh = Math.ceil(H / s);
  const fit = Math.min(vp.width / W, vp.height / H);
  const ox = (vp.width - W * fit) / 2;
  const oy = (vp.height - H * fit) / 2;
  const out: Placement[] = [];
  for (let y = 0; y * T < lh; y++) {
    for (let x = 0; x * T < lw; x++) {
      const x0 = x * T * s;
      const y0 = y * T * s;
      const x1 = Math.min(W, Math.min(lw, (x + 1) * T) * s);
      const y1 = Math.min(H, Math.min(lh, (y + 1) * T) * s);
      out.push({ level, x, y, dx: ox + x0 * fit, dy: oy + y0 * fit, dw: (x1 - x0) * fit, dh: (y1 - y0) * fit });
    }
  }
  return out;
}

/** The size of one composite pixel on the canvas, in device pixels (for blurs given in pixels of
 *  the composite, such as the unsharp mask's radius). */
export function devicePixelsPerPixel(grid: GridInfo, vp: { width: number; height: number }, dpr = 1): number {
  return Math.min(vp.width / grid.width, vp.height / grid.height) * dpr;
}
