import { fetchArrayBuffer, fetchBlob, request, toQueryString } from '@/lib/api/client';
import type { GridData, GridLine, ImageInfo, PixelValue, RenderParams } from './types';

const base = (id: string) => `/api/records/${encodeURIComponent(id)}`;

export const getImageInfo = (id: string, ext?: string, signal?: AbortSignal) =>
  request<ImageInfo>(`${base(id)}/image-info`, { query: { ext }, signal });

export const getPixel = (id: string, x: number, y: number, ext: string, slice: number, signal?: AbortSignal) =>
  request<PixelValue>(`${base(id)}/pixel`, { query: { x, y, ext, slice }, signal });

export const getHistogram = (id: string, q: { bins?: number; min?: number; max?: number; ext?: string; slice?: number }) =>
  request<{ counts: number[]; edges: number[] }>(`${base(id)}/histogram`, { query: q });

/** The grid's points may come as [[x, y], ...] or as {x: [...], y: [...]}: normalise. */
export function normaliseGrid(raw: unknown): GridData {
  const r = (raw ?? {}) as Record<string, unknown>;
  const rawLines = (r.lines ?? r.polylines ?? []) as Array<Record<string, unknown>>;
  const lines: GridLine[] = rawLines.map((l) => {
    const pts = l.points ?? l.pixels ?? l;
    let points: Array<[number, number]> = [];
    if (Array.isArray(pts)) points = (pts as Array<[number, number] | { x: number; y: number }>).map((p) => (Array.isArray(p) ? [p[0], p[1]] : [p.x, p.y]));
    else if (pts && typeof pts === 'object' && Array.isArray((pts as { x?: unknown }).x)) {
      const { x, y } = pts as { x: number[]; y: number[] };
      points = x.map((xi, i) => [xi, y[i]]);
    }
    return { kind: (l.kind ?? l.axis ?? l.type) as string | undefined, value: l.value as number | undefined, points };
  });
  const labels = ((r.labels ?? []) as Array<Record<string, unknown>>).map((l) => ({
    x: Number(l.x),
    y: Number(l.y),
    text: String(l.text ?? l.label ?? ''),
  }));
  return { lines, labels };
}

export const getGrid = async (id: string, ext: string) => normaliseGrid(await request<unknown>(`${base(id)}/grid`, { query: { ext } }));

export type TileFormat = 'f16' | 'png' | 'jpg' | 'webp';

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
  });
  if (p.interval === 'manual') Object.assign(q, { vmin: p.vmin, vmax: p.vmax });
  return q;
}

export function tileUrl(id: string, level: number, x: number, y: number, fmt: TileFormat, p: RenderParams): string {
  return `${base(id)}/tiles/${level}/${x}/${y}.${fmt}${toQueryString(renderQuery(p, fmt !== 'f16'))}`;
}

/**
 * An f16 tile's float16 samples. The engine sends an 8-byte header first — "WF16", then uint16
 * width and height, little-endian — followed by the rows (top row first): strip it, so the
 * buffer holds width × height half floats.
 */
export async function fetchF16Tile(url: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const buf = await fetchArrayBuffer(url, signal);
  const head = new Uint8Array(buf, 0, Math.min(4, buf.byteLength));
  const magic = head.length === 4 && head[0] === 0x57 && head[1] === 0x46 && head[2] === 0x31 && head[3] === 0x36;
  return magic ? buf.slice(8) : buf;
}
export const fetchImageTile = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);

export function exportUrl(id: string, format: 'png' | 'jpeg' | 'tiff', width: number, p: RenderParams): string {
  return `${base(id)}/export${toQueryString({ format, width, ...renderQuery(p, true) })}`;
}

export const fetchExport = (url: string) => fetchBlob(url);

export const getRecordSummary = (id: string) =>
  request<{ id: string; file_name: string; metadata: Record<string, unknown> }>(`${base(id)}`);
