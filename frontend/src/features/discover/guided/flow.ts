/**
 * The guided create as steps, each with its state: check the library (the plan), import what is
 * missing (an `import` job), build the composite from the proposal's recipe (`POST
 * /api/composites`: the channels aligned on one grid), render the finished image (a `composite`
 * job: the full-resolution files and the derived library record), then open it. The state is a
 * plain reducer (no React), so every transition is tested on its own.
 */
import type { Plan } from '../api/discover';

export type StepKey = 'check' | 'import' | 'build' | 'render' | 'open';
export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';

export const STEPS: ReadonlyArray<{ key: StepKey; title: string; job?: string }> = [
  { key: 'check', title: 'Check your library' },
  { key: 'import', title: 'Import what is missing', job: 'Import progress' },
  { key: 'build', title: 'Build the composite from the recipe' },
  { key: 'render', title: 'Render the finished image', job: 'Render progress' },
  { key: 'open', title: 'Open it' },
];

export interface StepState {
  status: StepStatus;
  /** 0-1, or null while the amount is unknown. */
  fraction: number | null;
  /** What the step is doing or did ("queued", "downloading · 2 of 3 files", "2 of 3 channels ..."). */
  detail: string | null;
  error: string | null;
  /** The job the step follows, once it has one. */
  jobId: string | null;
}

export interface FlowState {
  steps: Record<StepKey, StepState>;
  /** Set once the user asked to cancel: the running step ends as cancelled, nothing after runs. */
  cancelling: boolean;
  compositeId: string | null;
  recordId: string | null;
}

/** What the flow reads of a job (the `GET /api/jobs/{id}` answer). */
export interface JobLike {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress?: { fraction?: number | null; stage?: string | null; message?: string | null; items_done?: number | null; items_total?: number | null } | null;
  error?: { message: string } | null;
  result?: Record<string, unknown> | null;
}

export type FlowEvent =
  | { type: 'reset' }
  | { type: 'start'; step: StepKey; detail?: string }
  | { type: 'job'; step: StepKey; job: JobLike }
  | { type: 'done'; step: StepKey; detail?: string }
  | { type: 'skip'; step: StepKey; detail: string }
  | { type: 'fail'; step: StepKey; error: string }
  | { type: 'cancel' }
  | { type: 'cancelled'; step: StepKey }
  | { type: 'composite'; id: string }
  | { type: 'record'; id: string };

const PENDING: StepState = { status: 'pending', fraction: null, detail: null, error: null, jobId: null };

export function initialFlow(): FlowState {
  const steps = Object.fromEntries(STEPS.map((s) => [s.key, PENDING])) as Record<StepKey, StepState>;
  return { steps, cancelling: false, compositeId: null, recordId: null };
}

/** How a job's progress reads in a step: its stage, "n of m", and its message. */
export function jobDetail(job: JobLike): string {
  if (job.status === 'queued') return 'queued';
  const p = job.progress ?? {};
  const parts = [p.stage || job.status];
  if (p.items_total) parts.push(`${p.items_done ?? 0} of ${p.items_total}`);
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}

function jobStep(prev: StepState, job: JobLike): StepState {
  const base = { ...prev, jobId: job.id };
  switch (job.status) {
    case 'succeeded':
      return { ...base, status: 'done', fraction: 1, detail: 'done', error: null };
    case 'failed':
      return { ...base, status: 'failed', detail: null, error: job.error?.message ?? 'the job failed' };
    case 'cancelled':
      return { ...base, status: 'cancelled', detail: 'cancelled' };
    default:
      return { ...base, status: 'running', fraction: job.progress?.fraction ?? null, detail: jobDetail(job), error: null };
  }
}

export function flowReducer(state: FlowState, event: FlowEvent): FlowState {
  const set = (key: StepKey, step: StepState): FlowState => ({ ...state, steps: { ...state.steps, [key]: step } });
  switch (event.type) {
    case 'reset':
      return initialFlow();
    case 'start':
      return set(event.step, { ...PENDING, status: 'running', detail: event.detail ?? null });
    case 'job': {
      const prev = state.steps[event.step];
      if (prev.status !== 'running' && prev.jobId !== null) return state; // a late poll of a finished job
      return set(event.step, jobStep(prev, event.job));
    }
    case 'done':
      return set(event.step, { ...state.steps[event.step], status: 'done', fraction: 1, detail: event.detail ?? state.steps[event.step].detail, error: null });
    case 'skip':
      return set(event.step, { ...PENDING, status: 'skipped', detail: event.detail });
    case 'fail':
      return set(event.step, { ...state.steps[event.step], status: 'failed', error: event.error });
    case 'cancel':
      return { ...state, cancelling: true };
    case 'cancelled':
      return set(event.step, { ...state.steps[event.step], status: 'cancelled', detail: 'cancelled' });
    case 'composite':
      return { ...state, compositeId: event.id };
    case 'record':
      return { ...state, recordId: event.id };
  }
}

/** The step running now, if any. */
export function currentStep(state: FlowState): StepKey | null {
  return STEPS.find((s) => state.steps[s.key].status === 'running')?.key ?? null;
}

/** True while a step runs. */
export function isRunning(state: FlowState): boolean {
  return currentStep(state) !== null;
}

/** The flow may be cancelled while a step runs and no cancel was asked yet. */
export function canCancel(state: FlowState): boolean {
  return isRunning(state) && !state.cancelling;
}

/** It ended without opening the composite: it may be started again. */
export function canRestart(state: FlowState): boolean {
  return !isRunning(state) && STEPS.some((s) => ['failed', 'cancelled'].includes(state.steps[s.key].status));
}

/** "2 of 3 channels already in your library". */
export function haveSummary(plan: Plan): string {
  const have = plan.channels.filter((c) => c.missing_obsids.length === 0).length;
  return `${have} of ${plan.channels.length} channels already in your library`;
}

/** The composite recipe of a plan whose records are all in the library: one channel per filter
 *  (several records of a filter, such as tiles, share it), shortest wavelength first, each in
 *  the proposal's colour, on the union of the inputs' footprints. */
export function recipeFromPlan(plan: Plan, name: string) {
  const channels = [...plan.channels]
    .sort((a, b) => a.channel.pivot_um - b.channel.pivot_um)
    .map((c) => ({ record_ids: c.record_ids, color: c.channel.color, label: c.channel.filter, stretch: 'asinh' as const, interval: '99.5' }));
  return { channels, grid: { mode: 'union' as const }, name: name.slice(0, 120) };
}

/** What to tell a screen-reader user when a step ends (failures interrupt), or null. */
export function announcement(event: FlowEvent): { text: string; assertive: boolean } | null {
  if (!('step' in event)) return null;
  const title = STEPS.find((s) => s.key === event.step)?.title ?? event.step;
  const status = event.type === 'job' ? event.job.status : event.type;
  switch (status) {
    case 'done':
    case 'succeeded':
      return { text: `${title}: done`, assertive: false };
    case 'skip':
      return { text: `${title}: not needed`, assertive: false };
    case 'cancelled':
      return { text: `${title}: cancelled`, assertive: false };
    case 'fail':
      return { text: `${title} failed: ${event.type === 'fail' ? event.error : ''}`, assertive: true };
    case 'failed':
      return { text: `${title} failed: ${event.type === 'job' ? (event.job.error?.message ?? '') : ''}`, assertive: true };
    default:
      return null;
  }
}
