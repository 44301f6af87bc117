/** The analysis API through the typed client (`npm run gen:api`). */
import { api, fetchBlob, unwrap, type Schemas } from '@/lib/api/client';
import type { paths } from '@/lib/api/schema';
import type { Annotation, AnnotationType, Catalogue, Contours, DetectParams, Pair, Region, SavedRegion, Shape, Spectrum } from './analysisTypes';

const base = (id: string) => `/api/records/${encodeURIComponent(id)}`;
const record = (id: string) => ({ record_id: id });

// -- what the API sends, as the viewer's shapes ---------------------------------------------------

const pair = (p: number[]): Pair => [p[0], p[1]];
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const SHAPES: ReadonlySet<string> = new Set<Shape>(['circle', 'ellipse', 'rectangle', 'polygon', 'point']);

/** A region the API sends as an open object (saved regions, statistics) in the viewer's shape. */
export function toRegion(o: Record<string, unknown>): Region {
  const shape = String(o.shape);
  if (!SHAPES.has(shape)) throw new Error(`unknown region shape ${shape}`);
  const r: Region = { shape: shape as Shape };
  for (const k of ['x', 'y', 'r', 'a', 'b', 'width', 'height', 'angle'] as const) {
    const v = num(o[k]);
    if (v !== undefined) r[k] = v;
  }
  if (o.frame === 'image') r.frame = 'image';
  if (Array.isArray(o.points)) r.points = o.points.filter((p): p is number[] => Array.isArray(p) && p.length === 2).map((p) => pair(p.map(Number)));
  return r;
}

const toSaved = (s: Schemas['SavedRegionOut']): SavedRegion => ({ ...s, region: toRegion(s.region) });
const toSavedList = (l: Schemas['RegionList']) => ({ items: l.items.map(toSaved) });

const toAnnotation = (a: Schemas['AnnotationOut']): Annotation => ({
  ...a,
  points: a.points.map((p) => (p ? pair(p) : null)),
  sky: a.sky ? a.sky.map(pair) : null,
});

const cell = (v: unknown): number | string | null => (typeof v === 'number' || typeof v === 'string' ? v : null);
const toCatalogue = (c: Schemas['CatalogueOut']): Catalogue => ({
  ...c,
  columns: Object.fromEntries(Object.entries(c.columns).map(([k, vs]) => [k, vs.map(cell)])),
});

const toContours = (c: Schemas['ContoursOut']): Contours => ({
  ...c,
  lines: c.lines.map((l) => ({ ...l, pixels: l.pixels.map(pair), sky: l.sky ? l.sky.map(pair) : null })),
});

// -- regions ----------------------------------------------------------------------------------------

export const regionStats = (id: string, region: Region, ext: string, slice: number) =>
  unwrap(api.POST('/api/records/{record_id}/regions/stats', { params: { path: record(id) }, body: { region, ext, slice } }));

export const listRegions = async (id: string) => toSavedList(await unwrap(api.GET('/api/records/{record_id}/regions', { params: { path: record(id) } })));
export const createRegion = async (id: string, region: Region, label?: string) =>
  toSaved(await unwrap(api.POST('/api/records/{record_id}/regions', { params: { path: record(id) }, body: { region, label: label || null } })));
export const updateRegion = async (id: string, rid: string, patch: { region?: Region; label?: string | null }) =>
  toSaved(await unwrap(api.PATCH('/api/records/{record_id}/regions/{region_id}', { params: { path: { record_id: id, region_id: rid } }, body: patch })));
export const deleteRegion = (id: string, rid: string) =>
  unwrap(api.DELETE('/api/records/{record_id}/regions/{region_id}', { params: { path: { record_id: id, region_id: rid } } }));
export const exportRegionsDs9 = (id: string) => fetchBlob(`${base(id)}/regions.reg`);
export const importRegionsDs9 = async (id: string, text: string) =>
  toSavedList(await unwrap(api.POST('/api/records/{record_id}/regions.reg', { params: { path: record(id) }, body: { text } })));

// -- annotations ------------------------------------------------------------------------------------

export const listAnnotations = async (id: string, nearby: boolean) => {
  const l = await unwrap(api.GET('/api/records/{record_id}/annotations', { params: { path: record(id), query: { nearby: nearby || undefined } } }));
  return { items: l.items.map(toAnnotation) };
};
export const createAnnotation = async (id: string, body: { type: AnnotationType; points: Pair[]; text?: string; radius?: number; color?: string }) =>
  toAnnotation(await unwrap(api.POST('/api/records/{record_id}/annotations', { params: { path: record(id) }, body })));
export const deleteAnnotation = (id: string, aid: string) =>
  unwrap(api.DELETE('/api/records/{record_id}/annotations/{annotation_id}', { params: { path: { record_id: id, annotation_id: aid } } }));

// -- detection --------------------------------------------------------------------------------------

export const startDetect = (id: string, body: { ext: string; slice: number; region: Region | null; params: DetectParams }) =>
  unwrap(api.POST('/api/records/{record_id}/detect', { params: { path: record(id) }, body }));
export const getJob = (jobId: string) => unwrap(api.GET('/api/jobs/{job_id}', { params: { path: { job_id: jobId } } }));
/** A detection catalogue's file name: `<image stem>_<method>-<recipe hash>_cat.fits`. */
const DETECTION_CATALOGUE = /-[0-9a-f]{8}_cat\.fits$/;

/** The newest detection catalogue derived from a record (its lineage lists derivatives oldest
 * first), or null: the viewer shows its markers again when the record is reopened. */
export async function latestDetectionCatalogue(id: string): Promise<string | null> {
  const graph = await unwrap(api.GET('/api/records/{record_id}/lineage', { params: { path: record(id) } }));
  const found = graph.derivatives.filter((d) => DETECTION_CATALOGUE.test(d.file_name));
  return found.at(-1)?.id ?? null;
}

export const getCatalogue = async (id: string) => toCatalogue(await unwrap(api.GET('/api/records/{record_id}/catalogue', { params: { path: record(id) } })));
export const exportCatalogue = (id: string, format: 'csv' | 'ecsv' | 'votable' | 'ds9') => fetchBlob(`${base(id)}/catalogue/export?format=${format}`);

// -- contours, tables, headers ----------------------------------------------------------------------

export type ContoursQuery = NonNullable<paths['/api/records/{record_id}/contours']['get']['parameters']['query']>;
export const getContours = async (id: string, q: ContoursQuery) =>
  toContours(await unwrap(api.GET('/api/records/{record_id}/contours', { params: { path: record(id), query: q } })));

export const getHdus = (id: string) => unwrap(api.GET('/api/records/{record_id}/hdus', { params: { path: record(id) } }));
export type TableQuery = NonNullable<paths['/api/records/{record_id}/tables/{hdu}']['get']['parameters']['query']>;
export const getTablePage = (id: string, hdu: string | number, q: TableQuery) =>
  unwrap(api.GET('/api/records/{record_id}/tables/{hdu}', { params: { path: { record_id: id, hdu: String(hdu) }, query: q } }));
export const searchHeaders = (id: string, q: string) => unwrap(api.GET('/api/records/{record_id}/headers/search', { params: { path: record(id), query: { q } } }));

// -- spectra and lines ------------------------------------------------------------------------------

export async function getSpectrum1d(id: string): Promise<Spectrum> {
  const s = await unwrap(api.GET('/api/records/{record_id}/spectrum1d', { params: { path: record(id) } }));
  return { wavelength: s.wavelength, values: s.flux, error: s.error, unit: s.wavelength_unit, bunit: s.flux_unit };
}

const toSpectrum = (s: { wavelength: number[]; values: Array<number | null>; unit: string; bunit: string | null }): Spectrum => ({
  wavelength: s.wavelength,
  values: s.values,
  unit: s.unit,
  bunit: s.bunit,
});
export const getCubeSpectrum = async (id: string, x: number, y: number, ext: string) =>
  toSpectrum(await unwrap(api.GET('/api/records/{record_id}/spectrum', { params: { path: record(id), query: { x, y, ext } } })));
export const getRegionSpectrum = async (id: string, region: Region, how: 'sum' | 'mean', ext: string) =>
  toSpectrum(await unwrap(api.POST('/api/records/{record_id}/regions/spectrum', { params: { path: record(id) }, body: { region, how, ext } })));

export const getLines = (z: number, low?: number, high?: number) => unwrap(api.GET('/api/lines', { params: { query: { z, low, high } } }));

// -- coordinates ------------------------------------------------------------------------------------

export const world2pix = async (id: string, points: Pair[], ext = 'SCI') => {
  const r = await unwrap(api.POST('/api/records/{record_id}/world2pix', { params: { path: record(id) }, body: { points, ext } }));
  return { points: r.points.map((p) => (p ? pair(p) : null)) };
};
export const pix2world = (id: string, points: Pair[], ext = 'SCI') =>
  unwrap(api.POST('/api/records/{record_id}/pixels', { params: { path: record(id), query: { ext } }, body: { points } }));

/** Other records whose footprint holds a sky position (this record's centre): the images whose
 * contours can be drawn on it, aligned by WCS. Catalogues and other tables are left out. */
export async function sameFieldRecords(id: string, [ra, dec]: Pair): Promise<Array<{ id: string; file_name: string }>> {
  const query = { ra: ((ra % 360) + 360) % 360, dec, limit: 50 };
  const page = await unwrap(api.GET('/api/records', { params: { query } }));
  return page.items.filter((r) => r.id !== id && !/_cat\.fits$|\.(ecsv|csv|vot|xml)$/i.test(r.file_name)).map((r) => ({ id: r.id, file_name: r.file_name }));
}
