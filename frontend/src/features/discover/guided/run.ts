/**
 * Runs the guided create's steps in order, telling the reducer (`flow.ts`) what happens. The API
 * calls come in as `GuidedApi` (the app passes the real ones; the unit tests, doubles), so the
 * sequence is tested without a server.
 *
 * Two ways to stop: `cancelled()` (the user pressed Cancel: the running job is cancelled on the
 * server and followed until it says so; nothing after it starts), and `stopped()` (the page went
 * away: the flow stops following, the jobs go on and stay in the jobs panel).
 */
import { errorMessage } from '@/lib/api/errors';
import type { Plan } from '../api/discover';
import { haveSummary, recipeFromPlan, type FlowEvent, type JobLike, type StepKey } from './flow';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** How many times the plan is asked again after an import until it sees the imported records. */
const REPLAN_TRIES = 15;

export interface GuidedApi {
  plan(): Promise<Plan>;
  importObservations(obsids: string[]): Promise<{ id: string }>;
  createComposite(recipe: ReturnType<typeof recipeFromPlan>): Promise<{ id: string; width: number; height: number }>;
  renderComposite(id: string): Promise<{ job_id: string }>;
  getJob(id: string): Promise<JobLike>;
  cancelJob(id: string): Promise<unknown>;
  /** Pause between polls of a job. */
  pause(): Promise<void>;
}

export interface Control {
  cancelled(): boolean;
  stopped(): boolean;
}

/** What the flow ended with: the composite to open, or null (failed, cancelled, stopped). */
export type Outcome = { compositeId: string; recordId: string | null } | null;

/**
 * Follow a job until it ends, reporting its progress to `step`. A cancel asked meanwhile is sent
 * to the server once; the job is then followed until it ends (cancelled, or finished first).
 */
async function follow(api: GuidedApi, dispatch: (e: FlowEvent) => void, control: Control, step: StepKey, jobId: string): Promise<JobLike | null> {
  let cancelSent = false;
  for (;;) {
    if (control.stopped()) return null;
    if (control.cancelled() && !cancelSent) {
      cancelSent = true;
      // A job that ended before the cancel arrived answers 409: the next poll says how it ended.
      await api.cancelJob(jobId).catch(() => undefined);
    }
    let job: JobLike;
    try {
      job = await api.getJob(jobId);
    } catch (err) {
      if (!control.stopped()) dispatch({ type: 'fail', step, error: `following job ${jobId} failed: ${errorMessage(err)}` });
      return null;
    }
    if (control.stopped()) return null;
    dispatch({ type: 'job', step, job });
    if (FINAL.has(job.status)) return job;
    await api.pause();
  }
}

/** A step whose call failed ends the flow, the step showing the error. */
async function attempt<T>(dispatch: (e: FlowEvent) => void, control: Control, step: StepKey, call: () => Promise<T>): Promise<T | null> {
  try {
    const out = await call();
    if (control.stopped()) return null;
    return out;
  } catch (err) {
    if (!control.stopped()) dispatch({ type: 'fail', step, error: errorMessage(err) });
    return null;
  }
}

/** Whether to go on to the next step (reports a cancel before it starts). */
function goOn(dispatch: (e: FlowEvent) => void, control: Control, next: StepKey): boolean {
  if (control.stopped()) return false;
  if (control.cancelled()) {
    dispatch({ type: 'cancelled', step: next });
    return false;
  }
  return true;
}

export async function runGuided(api: GuidedApi, dispatch: (e: FlowEvent) => void, control: Control, name: string): Promise<Outcome> {
  dispatch({ type: 'reset' });
  // 1. Which of the proposal's observations are in the library already.
  dispatch({ type: 'start', step: 'check' });
  let plan = await attempt(dispatch, control, 'check', () => api.plan());
  if (!plan) return null;
  dispatch({ type: 'done', step: 'check', detail: haveSummary(plan) });

  // 2. Import the missing ones (one job), then ask again: the imported records are now there.
  if (!goOn(dispatch, control, 'import')) return null;
  const missing = plan.missing_obsids;
  if (missing.length === 0) {
    dispatch({ type: 'skip', step: 'import', detail: 'Nothing to import.' });
  } else {
    dispatch({ type: 'start', step: 'import', detail: `importing ${missing.length} observation${missing.length === 1 ? '' : 's'}` });
    const job = await attempt(dispatch, control, 'import', () => api.importObservations(missing));
    if (!job) return null;
    dispatch({ type: 'job', step: 'import', job: { id: job.id, status: 'queued' } });
    const ended = await follow(api, dispatch, control, 'import', job.id);
    if (ended?.status !== 'succeeded') return null;
    // The library's read model follows the import's records within a poll interval or so.
    for (let tries = 1; ; tries++) {
      plan = await attempt(dispatch, control, 'import', () => api.plan());
      if (!plan) return null;
      if (plan.ready || tries >= REPLAN_TRIES) break;
      await api.pause();
      if (control.stopped()) return null;
    }
    if (!plan.ready) {
      dispatch({ type: 'fail', step: 'import', error: `still not in your library after the import: observation${plan.missing_obsids.length === 1 ? '' : 's'} ${plan.missing_obsids.join(', ')}` });
      return null;
    }
    dispatch({ type: 'done', step: 'import', detail: `imported ${missing.length} observation${missing.length === 1 ? '' : 's'}` });
  }

  // 3. The composite from the recipe: the channels aligned on one grid.
  if (!goOn(dispatch, control, 'build')) return null;
  dispatch({ type: 'start', step: 'build', detail: `aligning ${plan.channels.length} channels` });
  if (!plan.composite_available) {
    dispatch({ type: 'fail', step: 'build', error: 'This server cannot build a composite of these records.' });
    return null;
  }
  const recipe = recipeFromPlan(plan, name);
  const composite = await attempt(dispatch, control, 'build', () => api.createComposite(recipe));
  if (!composite) return null;
  dispatch({ type: 'composite', id: composite.id });
  dispatch({ type: 'done', step: 'build', detail: `${recipe.channels.length} channels on a ${composite.width} × ${composite.height} px grid` });

  // 4. The finished image at full resolution (a job): its files and its library record.
  if (!goOn(dispatch, control, 'render')) return null;
  dispatch({ type: 'start', step: 'render' });
  const render = await attempt(dispatch, control, 'render', () => api.renderComposite(composite.id));
  if (!render) return null;
  dispatch({ type: 'job', step: 'render', job: { id: render.job_id, status: 'queued' } });
  const rendered = await follow(api, dispatch, control, 'render', render.job_id);
  if (rendered?.status !== 'succeeded') return null;
  const recordId = rendered.result?.record_id ? String(rendered.result.record_id) : null;
  if (recordId) dispatch({ type: 'record', id: recordId });

  // 5. Open it (the caller navigates).
  if (!goOn(dispatch, control, 'open')) return null;
  dispatch({ type: 'done', step: 'open', detail: 'opening the composite' });
  return { compositeId: composite.id, recordId };
}
