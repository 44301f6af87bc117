/**
 * Shapes of the analysis API (regions, statistics, detection, contours, tables, spectra).
 *
 * Generated from the backend's OpenAPI document (`npm run gen:api`) wherever the document
 * describes them. The document carries fixed-length pairs (`[x, y]`, `[ra, dec]`) as plain
 * arrays and a few fields as open objects; the viewer's own shapes below name those precisely,
 * and `analysis.ts` turns what the API sends into them.
 */
import type { Schemas } from '@/lib/api/client';

/** An (x, y) pixel or (ra, dec) pair. */
export type Pair = [number, number];

export type Shape = Schemas['RegionIn']['shape'];

/**
 * A region as the viewer draws and edits it: 0-based FITS pixels (x along a row, y up).
 * Ellipses: semi-axes a, b. What the API accepts (`RegionIn`) also allows sky frames.
 */
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
  points?: Pair[];
}

/** A saved region; the API sends its region as an open object (`SavedRegionOut.region`). */
export type SavedRegion = Omit<Schemas['SavedRegionOut'], 'region'> & { region: Region };

export type RegionStats = Schemas['RegionStatsOut'];

export type AnnotationType = Schemas['AnnotationIn']['type'];

/** An annotation, its points as pairs (null where a point has no pixel on this record). */
export type Annotation = Omit<Schemas['AnnotationOut'], 'points' | 'sky'> & { points: Array<Pair | null>; sky: Pair[] | null };

/** The detection parameters the panel edits (the API gives every one a default). */
export type DetectParams = Required<
  Pick<Schemas['DetectParamsIn'], 'method' | 'threshold' | 'fwhm' | 'npixels' | 'deblend' | 'sharplo' | 'sharphi' | 'roundlo' | 'roundhi'>
>;

export type Job = Schemas['Job'];

/** A source catalogue, column by column; cells are numbers, text or null (`CatalogueOut`). */
export type Catalogue = Omit<Schemas['CatalogueOut'], 'columns'> & { columns: Record<string, Array<number | string | null>> };

export type ContourLine = Omit<Schemas['ContourLineOut'], 'pixels' | 'sky'> & { pixels: Pair[]; sky: Pair[] | null };
export type Contours = Omit<Schemas['ContoursOut'], 'lines'> & { lines: ContourLine[] };

export type Column = Schemas['ColumnOut'];
export type TablePage = Schemas['TablePageOut'];
export type HduSummary = Schemas['HduSummaryOut'];
export type Hdus = Schemas['HdusOut'];
export type HeaderMatch = Schemas['HeaderMatchOut'];
export type Line = Schemas['LineOut'];

/** A spectrum as the plot draws it: a 1-D spectrum, a cube's pixel or a region's sum or mean. */
export interface Spectrum {
  wavelength: Array<number | null>;
  values: Array<number | null>;
  error?: Array<number | null> | null;
  unit: string;
  bunit: string | null;
}
