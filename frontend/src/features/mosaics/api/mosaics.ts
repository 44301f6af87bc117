import { api, unwrap, type Schemas } from '@/lib/api/client';

export type MosaicRequest = Schemas['MosaicRequest'];
export type MosaicPlan = Schemas['MosaicPlanOut'];
export type MosaicJob = Schemas['MosaicJobOut'];
export type Job = Schemas['Job'];
export type LibraryRecord = Schemas['RecordOut'];

export const planMosaic = (body: MosaicRequest) => unwrap(api.POST('/api/mosaics/plan', { body }));
export const createMosaic = (body: MosaicRequest) => unwrap(api.POST('/api/mosaics', { body }));
export const getJob = (id: string) => unwrap(api.GET('/api/jobs/{job_id}', { params: { path: { job_id: id } } }));
export const cancelJob = (id: string) => unwrap(api.POST('/api/jobs/{job_id}/cancel', { params: { path: { job_id: id } } }));

/** Library records for the chooser, with the library's filters (text, filter, instrument). */
export const searchRecords = (q: string, filter: string, instrument: string) =>
  unwrap(
    api.GET('/api/records', {
      params: { query: { q: q || undefined, filter: filter ? [filter] : undefined, instrument: instrument ? [instrument] : undefined, limit: 100 } },
    }),
  );
