/** Archive (MAST) API, typed from the backend's OpenAPI document (`npm run gen:api`). */
import { api, fetchBlob, unwrap, type Schemas } from '@/lib/api/client';

export type SearchRequest = Schemas['SearchRequest'];
export type SearchMode = SearchRequest['mode'];
export type Observation = Schemas['ArchiveObservation'];
export type SearchResult = Schemas['SearchResult'];
export type Product = Schemas['ArchiveProduct'];
export type ImportJob = Schemas['Job'];

export const searchArchive = (body: SearchRequest, signal?: AbortSignal) =>
  unwrap(api.POST('/api/mast/search', { body, signal }));

export const listProducts = (obsids: Array<string | number>, recommendedOnly: boolean) =>
  unwrap(api.POST('/api/mast/products', { body: { obsids: obsids.map(String), recommended_only: recommendedOnly } }));

export const startImport = (body: Schemas['ImportRequest']) => unwrap(api.POST('/api/mast/import', { body }));

/** Previews served by the backend need the token; others are plain images. */
export function previewNeedsAuth(url: string): boolean {
  return url.startsWith('/api/');
}

export const fetchPreview = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);
