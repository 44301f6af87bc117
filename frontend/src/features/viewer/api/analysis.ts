import { fetchBlob, request } from '@/lib/api/client';
import type {
  Annotation,
  AnnotationType,
  Catalogue,
  Contours,
  DetectParams,
  Hdus,
  HeaderMatch,
  Job,
  Line,
  Region,
  RegionStats,
  SavedRegion,
  Spectrum,
  TablePage,
} from './analysisTypes';

const base = (id: string) => `/api/records/${encodeURIComponent(id)}`;

export const regionStats = (id: string, region: Region, ext: string, slice: number) =>
  request<RegionStats>(`${base(id)}/regions/stats`, { json: { region, ext, slice } });

export const listRegions = (id: string) => request<{ items: SavedRegion[] }>(`${base(id)}/regions`);
export const createRegion = (id: string, region: Region, label?: string) =>
  request<SavedRegion>(`${base(id)}/regions`, { json: { region, label: label || null } });
export const updateRegion = (id: string, rid: string, patch: { region?: Region; label?: string | null }) =>
  request<SavedRegion>(`${base(id)}/regions/${rid}`, { method: 'PATCH', json: patch });
export const deleteRegion = (id: string, rid: string) => request<void>(`${base(id)}/regions/${rid}`, { method: 'DELETE' });
export const exportRegionsDs9 = (id: string) => fetchBlob(`${base(id)}/regions.reg`);
export const importRegionsDs9 = (id: string, text: string) => request<{ items: SavedRegion[] }>(`${base(id)}/regions.reg`, { json: { text } });

export const listAnnotations = (id: string, nearby: boolean) =>
  request<{ items: Annotation[] }>(`${base(id)}/annotations`, { query: { nearby: nearby ? 'true' : undefined } });
export const createAnnotation = (id: string, body: { type: AnnotationType; points: Array<[number, number]>; text?: string; radius?: number; color?: string }) =>
  request<Annotation>(`${base(id)}/annotations`, { json: body });
export const deleteAnnotation = (id: string, aid: string) => request<void>(`${base(id)}/annotations/${aid}`, { method: 'DELETE' });

export const startDetect = (id: string, body: { ext: string; slice: number; region: Region | null; params: DetectParams }) =>
  request<Job>(`${base(id)}/detect`, { json: body });
export const getJob = (jobId: string) => request<Job>(`/api/jobs/${encodeURIComponent(jobId)}`);
export const getCatalogue = (id: string) => request<Catalogue>(`${base(id)}/catalogue`);
export const exportCatalogue = (id: string, format: 'csv' | 'ecsv' | 'votable' | 'ds9') => fetchBlob(`${base(id)}/catalogue/export?format=${format}`);

export const getContours = (id: string, q: { ext: string; slice: number; levels?: string; mode?: string; n?: number; on?: string }) =>
  request<Contours>(`${base(id)}/contours`, { query: q });

export const getHdus = (id: string) => request<Hdus>(`${base(id)}/hdus`);
export const getTablePage = (id: string, hdu: string | number, q: { page: number; page_size: number; sort?: string; order?: string; q?: string }) =>
  request<TablePage>(`${base(id)}/tables/${encodeURIComponent(String(hdu))}`, { query: q });
export const searchHeaders = (id: string, q: string) => request<{ q: string; matches: HeaderMatch[] }>(`${base(id)}/headers/search`, { query: { q } });

export async function getSpectrum1d(id: string): Promise<Spectrum> {
  const s = await request<{ wavelength: Array<number | null>; flux: Array<number | null>; error: Array<number | null> | null; wavelength_unit: string; flux_unit: string | null }>(
    `${base(id)}/spectrum1d`,
  );
  return { wavelength: s.wavelength, values: s.flux, error: s.error, unit: s.wavelength_unit, bunit: s.flux_unit };
}

export const getCubeSpectrum = (id: string, x: number, y: number, ext: string) =>
  request<{ wavelength: number[]; values: Array<number | null>; unit: string; bunit: string | null }>(`${base(id)}/spectrum`, { query: { x, y, ext } });
export const getRegionSpectrum = (id: string, region: Region, how: 'sum' | 'mean', ext: string) =>
  request<{ wavelength: number[]; values: Array<number | null>; unit: string; bunit: string | null }>(`${base(id)}/regions/spectrum`, { json: { region, how, ext } });

export const getLines = (z: number, low?: number, high?: number) => request<{ z: number; lines: Line[] }>(`/api/lines`, { query: { z, low, high } });

export const world2pix = (id: string, points: Array<[number, number]>, ext = 'SCI') =>
  request<{ points: Array<[number, number] | null> }>(`${base(id)}/world2pix`, { json: { points, ext } });
export const pix2world = (id: string, points: Array<[number, number]>, ext = 'SCI') =>
  request<{ items: Array<{ ra: number | null; dec: number | null }> }>(`${base(id)}/pixels`, { json: { points }, query: { ext } });
