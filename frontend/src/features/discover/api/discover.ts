import { api, fetchBlob, unwrap, type Schemas } from '@/lib/api/client';

export type Target = Schemas['TargetOut'];
export type TargetDetail = Schemas['TargetDetail'];
export type Proposal = Schemas['ProposalOut'];
export type Plan = Schemas['PlanOut'];
export type Job = Schemas['Job'];

export function listTargets(signal?: AbortSignal) {
  return unwrap(api.GET('/api/discover/targets', { signal }));
}

export function getTarget(key: string, signal?: AbortSignal) {
  return unwrap(api.GET('/api/discover/targets/{key}', { signal, params: { path: { key } } }));
}

export function planProposal(key: string, proposalId: string) {
  return unwrap(api.POST('/api/discover/targets/{key}/plan', { params: { path: { key } }, body: { proposal_id: proposalId } }));
}

/** Import observations (a job on the mast service's workers). */
export function importObservations(obsids: string[]) {
  return unwrap(api.POST('/api/mast/import', { body: { obsids, recommended_only: true } }));
}

export function getJob(id: string, signal?: AbortSignal) {
  return unwrap(api.GET('/api/jobs/{job_id}', { signal, params: { path: { job_id: id } } }));
}

export const fetchPreview = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);
