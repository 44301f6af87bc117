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

export function cancelJob(id: string) {
  return unwrap(api.POST('/api/jobs/{job_id}/cancel', { params: { path: { job_id: id } } }));
}

/** Create the composite of a recipe (the builder's call: the channels aligned on one grid). The
 *  recipe leaves out what has a default. */
export function createComposite(recipe: Partial<Schemas['RecipeIn']>) {
  return unwrap(api.POST('/api/composites', { body: recipe as Schemas['RecipeIn'] }));
}

/** Render a composite at full resolution: a `composite` job that saves it as a library record. */
export function renderComposite(id: string, formats: Array<'png' | 'jpeg' | 'tiff' | 'fits'> = ['png', 'fits'], bits: 8 | 16 = 8) {
  return unwrap(api.POST('/api/composites/{composite_id}/render', { params: { path: { composite_id: id } }, body: { formats, bits } }));
}

export const fetchPreview = (url: string, signal?: AbortSignal) => fetchBlob(url, signal);
