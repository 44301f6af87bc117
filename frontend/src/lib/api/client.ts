/** The one API client: typed from the backend's OpenAPI document (`npm run gen:api`). */
import createClient from 'openapi-fetch';
import { apiErrorFrom, apiErrorFromResponse } from './errors';
import { authedFetch } from './fetch';
import type { components, paths } from './schema';

/** A shape as the client delivers it: openapi-fetch reads a fixed-length array (a tuple such
 *  as `[x, y]`) as a plain array, so the shapes are named that way everywhere. */
type Delivered<T> = T extends (infer E)[] ? Delivered<E>[] : T extends object ? { [K in keyof T]: Delivered<T[K]> } : T;

/** The API's shapes, generated from the backend's OpenAPI document. */
export type Schemas = { [K in keyof components['schemas']]: Delivered<components['schemas'][K]> };

export const api = createClient<paths>({
  baseUrl: '',
  fetch: (req: Request) => authedFetch(req),
  querySerializer: { array: { style: 'form', explode: true } },
});

/** Turn an openapi-fetch result into its data, or throw the API's error. */
export async function unwrap<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) throw apiErrorFrom(response.status, error, response.statusText);
  return data as T;
}

export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>;

/** Query string with repeated keys for arrays; empty values are left out. */
export function toQueryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => params.append(k, String(x)));
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** A binary resource (thumbnail, tile, download) fetched with the token. */
export async function fetchBlob(path: string, signal?: AbortSignal): Promise<Blob> {
  const res = await authedFetch(path, { signal });
  if (!res.ok) throw await apiErrorFromResponse(res);
  return res.blob();
}

export async function fetchArrayBuffer(path: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const res = await authedFetch(path, { signal });
  if (!res.ok) throw await apiErrorFromResponse(res);
  return res.arrayBuffer();
}
