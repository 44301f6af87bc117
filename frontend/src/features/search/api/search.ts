import { api, unwrap, type Schemas } from '@/lib/api/client';

export type SearchResult = Schemas['LibrarySearchResult'];
export type SearchHit = Schemas['SearchHit'];
export type Chip = Schemas['ChipOut'];
export type SimilarResult = Schemas['SimilarResult'];
export type IndexStatus = Schemas['IndexStatus'];

export interface SearchParams {
  q: string;
  drop?: string[];
  offset?: number;
  limit?: number;
  mode?: 'hybrid' | 'keyword' | 'semantic';
}

export function search(p: SearchParams, signal?: AbortSignal) {
  return unwrap(
    api.GET('/api/search', {
      signal,
      params: {
        query: {
          q: p.q,
          drop: p.drop?.length ? p.drop : undefined,
          offset: p.offset ?? 0,
          limit: p.limit ?? 20,
          mode: p.mode ?? 'hybrid',
        },
      },
    }),
  );
}

export function similar(id: string, signal?: AbortSignal) {
  return unwrap(api.GET('/api/records/{record_id}/similar', { signal, params: { path: { record_id: id }, query: { limit: 8 } } }));
}

export function indexStatus(signal?: AbortSignal) {
  return unwrap(api.GET('/api/semantic/status', { signal }));
}

export function rebuildIndex() {
  return unwrap(api.POST('/api/semantic/rebuild'));
}
