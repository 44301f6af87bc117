/** The archive (MAST) API, typed from the backend's OpenAPI document (`npm run gen:api`). */
import { api, fetchBlob, unwrap, type Schemas } from '@/lib/api/client';

export type SearchMode = Schemas['SearchRequest']['mode'];
/** A search as the form builds it: the server's defaults apply to what is left out. */
export type SearchRequest = Omit<Schemas['SearchRequest'], 'radius'> & { radius?: number };
export type Observation = Schemas['ArchiveObservation'];
export type SearchResult = Schemas['SearchResult'];
export type Product = Schemas['ArchiveProduct'];
export type ImportBody = Schemas['ImportRequest'];
export type ImportJob = Schemas['Job'];
export type MastTokenStatus = Schemas['MastTokenStatus'];

export const searchArchive = (body: SearchRequest, signal?: AbortSignal) =>
  unwrap(api.POST('/api/mast/search', { body: body as Schemas['SearchRequest'], signal }));

export const listProducts = (obsids: string[], recommendedOnly: boolean) =>
  unwrap(api.POST('/api/mast/products', { body: { obsids, recommended_only: recommendedOnly } }));

export const startImport = (body: { obsids: string[]; products?: string[] }) =>
  unwrap(api.POST('/api/mast/import', { body: { recommended_only: true, ...body } }));

export const getMastToken = () => unwrap(api.GET('/api/mast/token'));

export const setMastToken = (token: string) => unwrap(api.PUT('/api/mast/token', { body: { token } }));

export const clearMastToken = () => unwrap(api.DELETE('/api/mast/token'));

/** Previews are served by the backend (with the token); others would be plain images. */
export function previewNeedsAuth(url: string): boolean {
  return url.startsWith('/api/');
}

export const fetchPreview = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);
