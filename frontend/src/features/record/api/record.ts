import { api, unwrap, type Schemas } from '@/lib/api/client';
import { saveUrl } from '@/lib/download';

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

/**
 * Download a record's file: ask for a short-lived signed link (access is checked then) and let the
 * browser follow it, so the file streams to disk and never into the tab's memory.
 */
export async function downloadRecord(r: RecordOut): Promise<void> {
  const link = await unwrap(api.POST('/api/records/{record_id}/download-link', { params: { path: { record_id: r.id } } }));
  saveUrl(link.url, link.file_name);
}
