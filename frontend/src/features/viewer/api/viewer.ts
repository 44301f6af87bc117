import { api, fetchArrayBuffer, fetchBlob, toQueryString, unwrap } from '@/lib/api/client';
import type { GridData, GridOut, RenderParams } from './types';

const base = (id: string) => `/api/records/${encodeURIComponent(id)}`;
const record = (id: string) => ({ record_id: id });

export const getImageInfo = (id: string, ext?: string, signal?: AbortSignal) =>
  unwrap(api.GET('/api/records/{record_id}/image-info', { params: { path: record(id), query: { ext } }, signal }));

export const getPixel = (id: string, x: number, y: number, ext: string, slice: number, signal?: AbortSignal) =>
  unwrap(api.GET('/api/records/{record_id}/pixel', { params: { path: record(id), query: { x, y, ext, slice } }, signal }));

/** The statistics and histogram of plane `slice` of a cube: what its display limits come from. */
export const getPlaneStats = (id: string, ext: string, slice: number, signal?: AbortSignal) =>
  unwrap(api.GET('/api/records/{record_id}/plane-stats', { params: { path: record(id), query: { ext, slice } }, signal }));

export const getHistogram = (id: string, q: { bins?: number; min?: number; max?: number; ext?: string; slice?: number }) =>
  unwrap(api.GET('/api/records/{record_id}/histogram', { params: { path: record(id), query: q } }));

/** The grid as the overlay draws it. */
export function toGridData(g: GridOut): GridData {
  return {
    lines: g.lines.map((l) => ({ kind: l.kind, value: l.value, points: l.points.map(([x, y]) => [x, y] as [number, number]) })),
    labels: g.labels.map((l) => ({ x: l.x, y: l.y, text: l.text })),
  };
}

export const getGrid = async (id: string, ext: string) =>
  toGridData(await unwrap(api.GET('/api/records/{record_id}/grid', { params: { path: record(id), query: { ext } } })));

export type TileFormat = 'f16' | 'f32' | 'png' | 'jpg' | 'webp';

/** Render parameters as the tiles/export endpoints take them. */
export function renderQuery(p: RenderParams, includeRender: boolean) {
  const q: Record<string, string | number> = { ext: p.ext, slice: p.slice };
  if (!includeRender) return q;
  Object.assign(q, {
    stretch: p.stretch,
    interval: p.interval,
    cmap: p.cmap,
    invert: p.invert ? 1 : 0,
    contrast: p.contrast,
    bias: p.bias,
    gamma: p.gamma,
    nan: p.nan,
  });
  if (p.a !== null && (p.stretch === 'log' || p.stretch === 'asinh' || p.stretch === 'sinh')) q.a = p.a;
  if (p.interval === 'manual') Object.assign(q, { vmin: p.vmin, vmax: p.vmax });
  if (p.interval === 'percentile') Object.assign(q, { lower: p.lower, upper: p.upper });
  return q;
}

export function tileUrl(id: string, level: number, x: number, y: number, fmt: TileFormat, p: RenderParams): string {
  return `${base(id)}/tiles/${level}/${x}/${y}.${fmt}${toQueryString(renderQuery(p, fmt !== 'f16' && fmt !== 'f32'))}`;
}

/** An f16 tile: an exact float tile (see engine/floatTile.ts for the layout). */
export const fetchF16Tile = (url: string, signal?: AbortSignal): Promise<ArrayBuffer> => fetchArrayBuffer(url, signal);
/** The engine's display limits and histeq curve for a plane (binary 'WVW1'; see the backend route). */
export async function fetchView(id: string, p: RenderParams, signal?: AbortSignal): Promise<{ vmin: number; vmax: number; curve: Float32Array | null }> {
  const buf = await fetchArrayBuffer(`${base(id)}/view${toQueryString(renderQuery(p, true))}`, signal);
  const dv = new DataView(buf);
  const n = dv.getUint32(4, true);
  return { vmin: dv.getFloat64(8, true), vmax: dv.getFloat64(16, true), curve: n ? new Float32Array(buf.slice(24, 24 + 4 * n)) : null };
}

export const fetchImageTile = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);

export function exportUrl(id: string, format: 'png' | 'jpeg' | 'tiff', width: number, p: RenderParams): string {
  return `${base(id)}/export${toQueryString({ format, width, ...renderQuery(p, true) })}`;
}

export const fetchExport = (url: string) => fetchBlob(url);

export const getRecordSummary = (id: string) => unwrap(api.GET('/api/records/{record_id}', { params: { path: record(id) } }));
