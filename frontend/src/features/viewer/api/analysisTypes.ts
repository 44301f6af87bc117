/** Shapes of the analysis API (regions, statistics, detection, contours, tables, spectra). */

export type Shape = 'circle' | 'ellipse' | 'rectangle' | 'polygon' | 'point';

/** A region in 0-based FITS pixels (x along a row, y up). Ellipses: semi-axes a, b. */
export interface Region {
  shape: Shape;
  frame?: 'image';
  x?: number;
  y?: number;
  r?: number;
  a?: number;
  b?: number;
  width?: number;
  height?: number;
  angle?: number;
  points?: Array<[number, number]>;
}

export interface SavedRegion {
  id: string;
  record_id: string;
  region: Region;
  label: string | null;
  color: string;
}

export interface RegionStats {
  region: Region;
  pixels: number;
  nan_pixels: number;
  sum: number | null;
  sum_err: number | null;
  sum_area: number;
  mean: number | null;
  median: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  percentiles: Record<string, number | null>;
  area_pix: number;
  area_arcsec2: number | null;
  pixel_area_arcsec2: number | null;
  flux_jy: number | null;
  flux_jy_err: number | null;
  bunit: string | null;
}

export type AnnotationType = 'text' | 'arrow' | 'circle' | 'ruler' | 'compass';

export interface Annotation {
  id: string;
  record_id: string;
  type: AnnotationType;
  points: Array<[number, number] | null>;
  sky: Array<[number, number]> | null;
  text: string | null;
  radius: number | null;
  radius_arcsec: number | null;
  color: string;
  length_arcsec: number | null;
  elsewhere: boolean;
}

export interface DetectParams {
  method: 'auto' | 'segmentation' | 'dao' | 'iraf';
  threshold: number;
  fwhm: number;
  npixels: number;
  deblend: boolean;
  sharplo: number;
  sharphi: number;
  roundlo: number;
  roundhi: number;
}

export interface Job {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: { fraction: number; stage?: string | null; message?: string | null };
  result?: Record<string, unknown> | null;
  error?: { code: string; message: string } | null;
}

export interface Catalogue {
  count: number;
  columns: Record<string, Array<number | string | null>>;
  units: Record<string, string | null>;
  meta: Record<string, unknown>;
}

export interface ContourLine {
  level: number;
  closed: boolean;
  pixels: Array<[number, number]>;
  sky: Array<[number, number]> | null;
}

export interface Contours {
  levels: number[];
  lines: ContourLine[];
  points: number;
  truncated: boolean;
  frame: 'self' | 'other';
}

export interface Column {
  name: string;
  dtype: string;
  unit: string | null;
  description: string | null;
  shape: number[] | null;
  sortable: boolean;
}

export interface TablePage {
  hdu: number;
  name: string;
  columns: Column[];
  rows: unknown[][];
  page: number;
  page_size: number;
  pages: number;
  total: number;
  matched: number;
  sort: string | null;
  order: string;
}

export interface HduSummary {
  index: number;
  name: string;
  ver: number;
  type: string;
  shape: number[] | null;
  rows: number | null;
  columns: number | null;
}

export interface Hdus {
  hdus: HduSummary[];
  spectra: number[];
  catalogues: number[];
}

export interface HeaderMatch {
  hdu: number;
  name: string;
  key: string;
  value: unknown;
  comment: string;
}

export interface Spectrum {
  wavelength: Array<number | null>;
  values: Array<number | null>;
  error?: Array<number | null> | null;
  unit: string;
  bunit: string | null;
}

export interface Line {
  name: string;
  rest: number;
  observed: number;
  kind: string;
}
