/**
 * Archive (MAST) API — endpoints landing soon; shapes from the lead's contract. Once they appear
 * in the OpenAPI document, `npm run gen:api` types them.
 */
import { fetchBlob, request } from '@/lib/api/client';

export type SearchMode = 'target' | 'coordinates' | 'program' | 'observation';

export interface SearchRequest {
  mode: SearchMode;
  target?: string;
  ra?: number;
  dec?: number;
  radius?: number;
  proposal_id?: string;
  obs_id?: string;
  instrument?: string;
  filter?: string;
  calib_level?: number;
  product_type?: string;
  date_from?: string;
  date_to?: string;
  page: number;
  page_size: number;
}

export interface Observation {
  obs_id: string;
  obsid: string | number;
  target: string | null;
  instrument: string | null;
  filters: string | null;
  ra: number | null;
  dec: number | null;
  exposure_time: number | null;
  start_time: string | null;
  end_time: string | null;
  calib_level: number | null;
  product_type: string | null;
  proposal_id: string | null;
  proposal_pi: string | null;
  proposal_title: string | null;
  preview_url: string | null;
}

export interface SearchResult {
  items: Observation[];
  total: number;
  page: number;
  page_size: number;
  pages: number;
}

export interface Product {
  product_id: string;
  filename: string;
  obs_id: string;
  obsid: string | number;
  type: string | null;
  subgroup: string | null;
  calib_level: number | null;
  size: number | null;
  recommended: boolean;
}

export interface ImportJob {
  id: string;
  status: string;
  type: string;
}

export const searchArchive = (body: SearchRequest, signal?: AbortSignal) =>
  request<SearchResult>('/api/mast/search', { json: body, signal });

export const listProducts = (obsids: Array<string | number>, recommendedOnly: boolean) =>
  request<{ items: Product[] }>('/api/mast/products', { json: { obsids: obsids.map(String), recommended_only: recommendedOnly } });

export const startImport = (body: { obsids: string[]; products?: string[] }) =>
  request<ImportJob>('/api/mast/import', { json: body });

/** Previews served by the backend need the token; others are plain images. */
export function previewNeedsAuth(url: string): boolean {
  return url.startsWith('/api/');
}

export const fetchPreview = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);
