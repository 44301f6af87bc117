import { api, fetchBlob, unwrap, type Schemas } from '@/lib/api/client';
import { uploadFile, type UploadProgress } from '@/lib/upload';

export type RecordOut = Schemas['RecordOut'];
export type RecordPage = Schemas['RecordPage'];
export type BulkRequest = Schemas['BulkRequest'];
export type BulkResult = Schemas['BulkResult'];
export type UploadResult = Schemas['UploadResult'];
export type Visibility = Schemas['Visibility'];

export interface RecordFilters {
  q?: string;
  instrument?: string;
  filter?: string;
  target?: string;
  processing_level?: string;
  tags?: string;
  visibility?: Visibility;
  archived?: 'false' | 'true' | 'any';
  owner?: 'me' | 'others' | 'any';
  sort?: 'created_at' | 'updated_at' | 'file_name' | 'observed_at' | 'target' | 'instrument' | 'size';
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
}

/** Comma-separated filter text → the repeated query parameter the API accepts. */
function list(v: string | undefined): string[] | undefined {
  const items = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

export function listRecords(f: RecordFilters, signal?: AbortSignal) {
  return unwrap(
    api.GET('/api/records', {
      signal,
      params: {
        query: {
          q: f.q || undefined,
          instrument: list(f.instrument),
          filter: list(f.filter),
          target: list(f.target),
          processing_level: list(f.processing_level),
          tags: list(f.tags),
          visibility: f.visibility || undefined,
          archived: f.archived ?? 'false',
          owner: f.owner ?? 'any',
          sort: f.sort ?? 'created_at',
          order: f.order ?? 'desc',
          offset: f.offset ?? 0,
          limit: f.limit ?? 50,
        },
      },
    }),
  );
}

export function bulkAction(body: BulkRequest) {
  return unwrap(api.POST('/api/records/bulk', { body }));
}

export function uploadRecord(file: File, onProgress: (p: UploadProgress) => void, signal?: AbortSignal) {
  return uploadFile<UploadResult>('/api/records', file, onProgress, { field: 'files', signal });
}

export function fetchThumbnail(id: string, signal?: AbortSignal) {
  return fetchBlob(`/api/records/${encodeURIComponent(id)}/thumbnail`, signal);
}
