import { api, unwrap, type Schemas } from '@/lib/api/client';
import { authedDownload } from '@/lib/download';

export type RecordOut = Schemas['RecordOut'];
export type RecordPatch = Schemas['RecordPatch'];
export type LineageGraph = Schemas['LineageGraph'];

export type HeaderHdu = Schemas['HduHeaderOut'];

export function getRecord(id: string) {
  return unwrap(api.GET('/api/records/{record_id}', { params: { path: { record_id: id } } }));
}

export function patchRecord(id: string, body: RecordPatch) {
  return unwrap(api.PATCH('/api/records/{record_id}', { params: { path: { record_id: id } }, body }));
}

export function deleteRecord(id: string) {
  return unwrap(api.DELETE('/api/records/{record_id}', { params: { path: { record_id: id } } }));
}

export async function getHeaders(id: string): Promise<HeaderHdu[]> {
  const res = await unwrap(api.GET('/api/records/{record_id}/headers', { params: { path: { record_id: id } } }));
  return res.hdus;
}

export function getLineage(id: string) {
  return unwrap(api.GET('/api/records/{record_id}/lineage', { params: { path: { record_id: id } } }));
}

export function downloadRecord(r: RecordOut, onProgress?: (loaded: number, total: number) => void) {
  return authedDownload(r.download_url, r.file_name, onProgress);
}
