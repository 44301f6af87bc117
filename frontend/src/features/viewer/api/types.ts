import type { Schemas } from '@/lib/api/client';
import { COLORMAP_NAMES, type Colormap } from '../engine/colormapData';

/** The viewer's display settings (its own), and its API shapes (generated). */

export type Stretch = 'linear' | 'log' | 'sqrt' | 'squared' | 'asinh' | 'sinh' | 'power' | 'histeq';
export type Interval = 'minmax' | '99' | '99.5' | '99.9' | 'zscale' | 'percentile' | 'manual';
/** Every engine colour map (generated from the engine's tables). */
export type { Colormap } from '../engine/colormapData';

export const STRETCHES: Stretch[] = ['linear', 'log', 'sqrt', 'squared', 'asinh', 'sinh', 'power', 'histeq'];
export const INTERVALS: Interval[] = ['minmax', '99.9', '99.5', '99', 'zscale', 'percentile', 'manual'];
export const COLORMAPS: readonly Colormap[] = COLORMAP_NAMES;

/** The viewer's API shapes, generated from the backend's OpenAPI document (`npm run gen:api`). */
export type ImageInfo = Schemas['ImageInfoOut'];
export type LevelInfo = Schemas['LevelOut'];
export type PixelValue = Schemas['PixelOut'];
export type GridOut = Schemas['GridOut'];
export type HistogramOut = Schemas['HistogramOut'];
/** The statistics and histogram of one plane (a cube's display limits come from its shown plane). */
export type PlaneStats = Schemas['PlaneStatsOut'];

/** The coordinate grid as the overlay draws it (from GridOut: polylines and labels in pixels). */
export interface GridData {
  lines: Array<{ kind: string; value: number; points: Array<[number, number]> }>;
  labels: Array<{ x: number; y: number; text: string }>;
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
  /** The log / asinh / sinh parameter; null: the engine's default (1000, 0.1, 1/3). */
  a: number | null;
  /** The custom percentile interval's lower and upper percentiles (0-100). */
  lower: number;
  upper: number;
  /** The colour of NaN pixels: 'transparent' or '#rrggbb'. */
  nan: string;
}
