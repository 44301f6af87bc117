/** Viewer API shapes (endpoints landing soon; from the lead's contract, parsed defensively). */

export type Stretch = 'linear' | 'log' | 'sqrt' | 'squared' | 'asinh' | 'sinh' | 'power' | 'histeq';
export type Interval = 'minmax' | '99' | '99.5' | '99.9' | 'zscale' | 'manual';
export type Colormap = 'gray' | 'viridis' | 'inferno' | 'magma' | 'plasma' | 'cividis' | 'hot' | 'cool' | 'turbo';

export const STRETCHES: Stretch[] = ['linear', 'log', 'sqrt', 'squared', 'asinh', 'sinh', 'power', 'histeq'];
export const INTERVALS: Interval[] = ['minmax', '99.9', '99.5', '99', 'zscale', 'manual'];
export const COLORMAPS: Colormap[] = ['gray', 'viridis', 'inferno', 'magma', 'plasma', 'cividis', 'hot', 'cool', 'turbo'];

export interface LevelInfo {
  level: number;
  width: number;
  height: number;
  tiles_x?: number;
  tiles_y?: number;
  /** Full-resolution pixels per level pixel. */
  scale?: number;
  downsample?: number;
}

export interface ImageInfo {
  hdus?: Array<{ index: number; name: string; type?: string; shape?: number[] | null }>;
  /** numpy order: [..., ny, nx] */
  shape: number[];
  dtype?: string;
  bunit?: string | null;
  wcs?: Record<string, string | number> | null;
  levels: LevelInfo[] | number;
  tile_size: number;
  cube?: { axis: number; size: number; values?: Array<number | string>; unit?: string } | null;
  /** A colour image (a composite): image tiles carry its colours; drawn by the 2-D renderer. */
  rgb?: boolean;
  stats?: { min?: number; max?: number; percentiles?: Record<string, number>; zscale?: [number, number] | null } | null;
  histogram?: { counts: number[]; edges: number[] } | null;
  /** When false, tile rows run in array order (y up). Assumed true: north up, y=0 at the top. */
  flip_y?: boolean;
  ext?: string;
}

export interface PixelValue {
  value: number | null;
  ra: number | null;
  dec: number | null;
  ra_str?: string | null;
  dec_str?: string | null;
  x?: number;
  y?: number;
}

export interface GridLine {
  kind?: string;
  value?: number;
  points: Array<[number, number]>;
}

export interface GridLabel {
  x: number;
  y: number;
  text: string;
}

export interface GridData {
  lines: GridLine[];
  labels: GridLabel[];
}

export interface RenderParams {
  ext: string;
  slice: number;
  stretch: Stretch;
  interval: Interval;
  vmin: number;
  vmax: number;
  cmap: Colormap;
  invert: boolean;
  contrast: number;
  bias: number;
  gamma: number;
}
