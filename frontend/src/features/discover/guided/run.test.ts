import type { Plan } from '../api/discover';
import { flowReducer, initialFlow, type FlowEvent, type FlowState, type JobLike } from './flow';
import { planWith } from './fixtures';
import { runGuided, type Control, type GuidedApi } from './run';

/** An API double: plans answered in turn, jobs answered from scripts (one answer per poll). */
function fakeApi(plans: Plan[], jobs: Record<string, JobLike[]>) {
  const calls: string[] = [];
  const api: GuidedApi = {
    plan: vi.fn(async () => {
      calls.push('plan');
      return plans.length > 1 ? (plans.shift() as Plan) : plans[0]; // the last one from then on
    }),
    importObservations: vi.fn(async (obsids: string[]) => {
      calls.push(`import ${obsids.join(',')}`);
      return { id: 'imp' };
    }),
    createComposite: vi.fn(async () => {
      calls.push('create');
      return { id: 'c0ffee', width: 600, height: 400 };
    }),
    renderComposite: vi.fn(async (id: string) => {
      calls.push(`render ${id}`);
      return { job_id: 'ren' };
    }),
    getJob: vi.fn(async (id: string) => {
      const script = jobs[id];
      return script.length > 1 ? (script.shift() as JobLike) : script[0];
    }),
    cancelJob: vi.fn(async (id: string) => {
      calls.push(`cancel ${id}`);
      jobs[id] = [{ id, status: 'cancelled' }];
      return {};
    }),
    pause: vi.fn(async () => undefined),
  };
  return { api, calls };
}

/** Runs the flow, keeping every state it went through. */
async function run(api: GuidedApi, control: Control = { cancelled: () => false, stopped: () => false }) {
  let state: FlowState = initialFlow();
  const seen: FlowState[] = [];
  const dispatch = (e: FlowEvent) => {
    state = flowReducer(state, e);
    seen.push(state);
  };
  const out = await runGuided(api, dispatch, control, 'Cosmic Cliffs: NIRCam: classic 3-colour');
  return { out, state, seen };
}

const statuses = (s: FlowState) => Object.fromEntries(Object.entries(s.steps).map(([k, v]) => [k, v.status]));

const importJob: JobLike[] = [
  { id: 'imp', status: 'queued' },
  { id: 'imp', status: 'running', progress: { fraction: 0.5, stage: 'downloading', items_done: 1, items_total: 2 } },
  { id: 'imp', status: 'succeeded' },
];
const renderJob: JobLike[] = [
  { id: 'ren', status: 'running', progress: { fraction: 0.3, stage: 'rendering' } },
  { id: 'ren', status: 'succeeded', result: { record_id: 'rec9', composite_id: 'c0ffee' } },
];

describe('guided create: the steps in order', () => {
  it('imports what is missing, builds the composite from the recipe, renders it, then opens it', async () => {
    const { api, calls } = fakeApi([planWith(['F090W']), planWith(['F090W', 'F200W', 'F444W'])], { imp: [...importJob], ren: [...renderJob] });
    const { out, state, seen } = await run(api);
    expect(out).toEqual({ compositeId: 'c0ffee', recordId: 'rec9' });
    expect(calls).toEqual(['plan', 'import 2,3', 'plan', 'create', 'render c0ffee']);
    expect(statuses(state)).toEqual({ check: 'done', import: 'done', build: 'done', render: 'done', open: 'done' });
    expect(state.steps.check.detail).toBe('1 of 3 channels already in your library');
    expect(state.steps.import).toMatchObject({ jobId: 'imp', detail: 'imported 2 observations' });
    expect(state.steps.build.detail).toBe('3 channels on a 600 × 400 px grid');
    expect(state).toMatchObject({ compositeId: 'c0ffee', recordId: 'rec9' });
    // the import's progress was shown on the way, and the render's
    expect(seen.some((s) => s.steps.import.status === 'running' && s.steps.import.fraction === 0.5 && s.steps.import.detail === 'downloading · 1 of 2')).toBe(true);
    expect(seen.some((s) => s.steps.render.status === 'running' && s.steps.render.fraction === 0.3)).toBe(true);
    // the recipe: the plan's records, blue to red
    const recipe = vi.mocked(api.createComposite).mock.calls[0][0];
    expect(recipe.channels.map((c) => c.record_ids)).toEqual([['r-F090W'], ['r-F200W'], ['r-F444W']]);
  });

  it('skips the import when every channel is in the library', async () => {
    const { api, calls } = fakeApi([planWith(['F090W', 'F200W', 'F444W'])], { ren: [...renderJob] });
    const { out, state } = await run(api);
    expect(out?.compositeId).toBe('c0ffee');
    expect(calls).toEqual(['plan', 'create', 'render c0ffee']);
    expect(state.steps.import).toMatchObject({ status: 'skipped', detail: 'Nothing to import.' });
  });

  it('stops at a failed import, with its error; nothing is built', async () => {
    const { api, calls } = fakeApi([planWith([])], { imp: [{ id: 'imp', status: 'failed', error: { message: 'the archive answered 503' } }] });
    const { out, state } = await run(api);
    expect(out).toBeNull();
    expect(calls).toEqual(['plan', 'import 1,2,3']);
    expect(statuses(state)).toEqual({ check: 'done', import: 'failed', build: 'pending', render: 'pending', open: 'pending' });
    expect(state.steps.import.error).toBe('the archive answered 503');
  });

  it('asks the plan again until the imported records are in the library', async () => {
    const lagging = planWith(['F090W']);
    const { api, calls } = fakeApi([lagging, lagging, lagging, planWith(['F090W', 'F200W', 'F444W'])], { imp: [{ id: 'imp', status: 'succeeded' }], ren: [...renderJob] });
    const { out, state } = await run(api);
    expect(out?.compositeId).toBe('c0ffee');
    expect(calls).toEqual(['plan', 'import 2,3', 'plan', 'plan', 'plan', 'create', 'render c0ffee']);
    expect(state.steps.import.status).toBe('done');
  });

  it('fails the import step when the records are still missing after it', async () => {
    const { api, calls } = fakeApi([planWith(['F090W']), planWith(['F090W', 'F200W'])], { imp: [{ id: 'imp', status: 'succeeded' }] });
    const { out, state } = await run(api);
    expect(out).toBeNull();
    expect(calls.filter((c) => c === 'plan')).toHaveLength(16); // the first, then 15 tries
    expect(state.steps.import).toMatchObject({ status: 'failed', error: 'still not in your library after the import: observation 3' });
    expect(state.steps.build.status).toBe('pending');
  });

  it('fails the build step when the records cannot make a composite, or the server refuses the recipe', async () => {
    const none = fakeApi([planWith(['F090W', 'F200W', 'F444W'], false)], {});
    const a = await run(none.api);
    expect(a.state.steps.build).toMatchObject({ status: 'failed', error: 'This server cannot build a composite of these records.' });
    expect(none.api.createComposite).not.toHaveBeenCalled();

    const refused = fakeApi([planWith(['F090W', 'F200W', 'F444W'])], {});
    vi.mocked(refused.api.createComposite).mockRejectedValueOnce(new Error('the inputs do not overlap'));
    const b = await run(refused.api);
    expect(b.out).toBeNull();
    expect(b.state.steps.build).toMatchObject({ status: 'failed', error: 'the inputs do not overlap' });
    expect(refused.api.renderComposite).not.toHaveBeenCalled();
  });

  it('a failed render keeps the composite (it is built) and opens nothing', async () => {
    const { api } = fakeApi([planWith(['F090W', 'F200W', 'F444W'])], { ren: [{ id: 'ren', status: 'failed', error: { message: 'worker lost' } }] });
    const { out, state } = await run(api);
    expect(out).toBeNull();
    expect(state.compositeId).toBe('c0ffee');
    expect(statuses(state)).toMatchObject({ build: 'done', render: 'failed', open: 'pending' });
    expect(state.steps.render.error).toBe('worker lost');
  });

  it('cancel: the running import job is cancelled on the server; nothing after it starts', async () => {
    let cancelled = false;
    const { api, calls } = fakeApi([planWith(['F090W'])], { imp: [{ id: 'imp', status: 'running', progress: { fraction: 0.1 } }] });
    vi.mocked(api.pause).mockImplementation(async () => {
      cancelled = true; // the user presses Cancel while the job runs
    });
    const { out, state } = await run(api, { cancelled: () => cancelled, stopped: () => false });
    expect(out).toBeNull();
    expect(calls).toEqual(['plan', 'import 2,3', 'cancel imp']);
    expect(statuses(state)).toEqual({ check: 'done', import: 'cancelled', build: 'pending', render: 'pending', open: 'pending' });
  });

  it('cancel between steps: the next step is marked cancelled and not started', async () => {
    let cancelled = false;
    const { api, calls } = fakeApi([planWith(['F090W', 'F200W', 'F444W'])], {});
    vi.mocked(api.createComposite).mockImplementation(async () => {
      cancelled = true; // pressed while the channels were being aligned
      return { id: 'c0ffee', width: 10, height: 10 };
    });
    const { out, state } = await run(api, { cancelled: () => cancelled, stopped: () => false });
    expect(out).toBeNull();
    expect(api.renderComposite).not.toHaveBeenCalled();
    expect(calls).toEqual(['plan']);
    expect(statuses(state)).toMatchObject({ build: 'done', render: 'cancelled', open: 'pending' });
  });

  it('a job that finished before the cancel arrived is shown as it ended', async () => {
    let cancelled = false;
    const all = planWith(['F090W', 'F200W', 'F444W']);
    const { api } = fakeApi([planWith(['F090W']), all], { imp: [{ id: 'imp', status: 'running' }, { id: 'imp', status: 'succeeded' }] });
    vi.mocked(api.pause).mockImplementation(async () => {
      cancelled = true;
    });
    vi.mocked(api.cancelJob).mockRejectedValue(new Error('job already finished'));
    const { out, state } = await run(api, { cancelled: () => cancelled, stopped: () => false });
    expect(out).toBeNull();
    expect(statuses(state)).toMatchObject({ import: 'done', build: 'cancelled', render: 'pending' });
    expect(api.createComposite).not.toHaveBeenCalled();
  });

  it('stopped (the page left): no more polls, no cancel, no state changes', async () => {
    let stopped = false;
    const { api, calls } = fakeApi([planWith(['F090W'])], { imp: [{ id: 'imp', status: 'running' }] });
    vi.mocked(api.pause).mockImplementation(async () => {
      stopped = true;
    });
    const { out, seen } = await run(api, { cancelled: () => false, stopped: () => stopped });
    expect(out).toBeNull();
    expect(calls).toEqual(['plan', 'import 2,3']);
    expect(api.getJob).toHaveBeenCalledTimes(1);
    expect(seen.at(-1)?.steps.import.status).toBe('running');
  });
});
