/**
 * The tile pyramid. Level 0 is the whole image in one tile; each level doubles the resolution;
 * the last level is full resolution. Tile (x, y) covers level pixels [x·T, x·T+w) × [y·T, y·T+h),
 * with y = 0 at the top of the displayed image.
 */
import type { ImageInfo, LevelInfo } from '../api/types';

/** What the pyramid is built from: image-info's shape, tile size and levels (or a level count). */
export type PyramidSource = Pick<ImageInfo, 'shape' | 'tile_size'> & { levels: LevelInfo[] | number };

export interface Level {
  level: number;
  width: number;
  height: number;
  tilesX: number;
  tilesY: number;
  /** Full-resolution pixels per level pixel (a power of two; 1 at the last level). */
  factor: number;
}

export interface Pyramid {
  width: number;
  height: number;
  tileSize: number;
  levels: Level[];
}

/** Image width and height from a numpy shape ([..., ny, nx]). */
export function imageSize(shape: number[]): { width: number; height: number } {
  const n = shape.length;
  return { width: shape[n - 1] ?? 0, height: shape[n - 2] ?? 1 };
}

export function levelCountFor(width: number, height: number, tileSize: number): number {
  let n = 1;
  while (tileSize * 2 ** (n - 1) < Math.max(width, height)) n++;
  return n;
}

export function buildPyramid(info: PyramidSource): Pyramid {
  const { width, height } = imageSize(info.shape);
  const tileSize = info.tile_size || 256;
  const given: LevelInfo[] | null = Array.isArray(info.levels) ? info.levels : null;
  const count = given ? given.length : typeof info.levels === 'number' ? info.levels : levelCountFor(width, height, tileSize);
  const levels: Level[] = [];
  for (let l = 0; l < count; l++) {
    const g = given?.find((v) => v.level === l) ?? given?.[l];
    const factor = g?.scale ?? 2 ** (count - 1 - l);
    const w = g?.width ?? Math.max(1, Math.ceil(width / factor));
    const h = g?.height ?? Math.max(1, Math.ceil(height / factor));
    levels.push({
      level: l,
      width: w,
      height: h,
      tilesX: g?.tiles_x ?? Math.ceil(w / tileSize),
      tilesY: g?.tiles_y ?? Math.ceil(h / tileSize),
      factor: width / w,
    });
  }
  return { width, height, tileSize, levels };
}

export interface TileRect {
  /** In level pixels. */
  w: number;
  h: number;
  /** In full-resolution display pixels. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function tileRect(p: Pyramid, level: number, tx: number, ty: number): TileRect {
  const L = p.levels[level];
  const T = p.tileSize;
  const w = Math.min(T, L.width - tx * T);
  const h = Math.min(T, L.height - ty * T);
  const sx = p.width / L.width;
  const sy = p.height / L.height;
  return { w, h, x0: tx * T * sx, y0: ty * T * sy, x1: (tx * T + w) * sx, y1: (ty * T + h) * sy };
}

/** The coarsest level that is not upsampled at this zoom (screen px per image px). */
export function chooseLevel(p: Pyramid, zoom: number, devicePixelRatio = 1): number {
  const want = zoom * devicePixelRatio;
  for (const L of p.levels) {
    if (1 / L.factor >= want * 0.999) return L.level;
  }
  return p.levels.length - 1;
}

/** Tiles of a level that intersect a rectangle given in display pixels. */
export function tilesInRect(p: Pyramid, level: number, x0: number, y0: number, x1: number, y1: number): Array<[number, number]> {
  const L = p.levels[level];
  const span = p.tileSize * L.factor;
  const ax = Math.max(0, Math.floor(x0 / span));
  const ay = Math.max(0, Math.floor(y0 / span));
  const bx = Math.min(L.tilesX - 1, Math.floor((x1 - 1e-9) / span));
  const by = Math.min(L.tilesY - 1, Math.floor((y1 - 1e-9) / span));
  const out: Array<[number, number]> = [];
  for (let y = ay; y <= by; y++) for (let x = ax; x <= bx; x++) out.push([x, y]);
  return out;
}

/** The tile of a coarser level that contains tile (tx, ty) of `level`. */
export function parentTile(level: number, tx: number, ty: number, parentLevel: number): [number, number] {
  const d = 2 ** (level - parentLevel);
  return [Math.floor(tx / d), Math.floor(ty / d)];
}

/**
 * Display coordinates (origin top-left, pixel j spans [j, j+1)) ↔ array coordinates (0-based
 * pixel centres, the convention of the pixel and grid endpoints). With flipY (north up) the
 * displayed top row is the array's last row.
 */
export function displayToArray(dx: number, dy: number, height: number, flipY = true): [number, number] {
  return [dx - 0.5, flipY ? height - 0.5 - dy : dy - 0.5];
}

export function arrayToDisplay(ax: number, ay: number, height: number, flipY = true): [number, number] {
  return [ax + 0.5, flipY ? height - 0.5 - ay : ay + 0.5];
}
