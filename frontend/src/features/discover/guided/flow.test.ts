import { announcement, canCancel, canRestart, currentStep, flowReducer, haveSummary, initialFlow, jobDetail, recipeFromPlan, type FlowEvent, type FlowState } from './flow';
import { planWith } from './fixtures';

const apply = (events: FlowEvent[], from: FlowState = initialFlow()) => events.reduce(flowReducer, from);

describe('guided create: step states', () => {
  it('starts with every step waiting, nothing to cancel or restart', () => {
    const s = initialFlow();
    expect(Object.values(s.steps).map((x) => x.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(currentStep(s)).toBeNull();
    expect(canCancel(s)).toBe(false);
    expect(canRestart(s)).toBe(false);
  });

  it('follows a job: queued, running with its progress, done', () => {
    let s = apply([{ type: 'start', step: 'import' }]);
    expect(currentStep(s)).toBe('import');
    expect(canCancel(s)).toBe(true);
    s = flowReducer(s, { type: 'job', step: 'import', job: { id: 'j1', status: 'queued' } });
    expect(s.steps.import).toMatchObject({ status: 'running', jobId: 'j1', fraction: null, detail: 'queued' });
    s = flowReducer(s, {
      type: 'job',
      step: 'import',
      job: { id: 'j1', status: 'running', progress: { fraction: 0.4, stage: 'downloading', items_done: 1, items_total: 3, message: 'jw02731_i2d.fits' } },
    });
    expect(s.steps.import).toMatchObject({ status: 'running', fraction: 0.4, detail: 'downloading · 1 of 3 · jw02731_i2d.fits' });
    s = flowReducer(s, { type: 'job', step: 'import', job: { id: 'j1', status: 'succeeded' } });
    expect(s.steps.import).toMatchObject({ status: 'done', fraction: 1, error: null });
    expect(currentStep(s)).toBeNull();
    // a poll answered after the end changes nothing
    expect(flowReducer(s, { type: 'job', step: 'import', job: { id: 'j1', status: 'running', progress: { fraction: 0.9 } } })).toBe(s);
  });

  it('a failed job fails its step with the job\'s error; the flow may start again', () => {
    const s = apply([
      { type: 'start', step: 'render' },
      { type: 'job', step: 'render', job: { id: 'j2', status: 'running', progress: { fraction: 0.5 } } },
      { type: 'job', step: 'render', job: { id: 'j2', status: 'failed', error: { message: 'output too large' } } },
    ]);
    expect(s.steps.render).toMatchObject({ status: 'failed', error: 'output too large', jobId: 'j2', fraction: 0.5 });
    expect(canRestart(s)).toBe(true);
    expect(canCancel(s)).toBe(false);
    expect(flowReducer(s, { type: 'reset' })).toEqual(initialFlow());
  });

  it('a cancel is asked once; the job then reports cancelled', () => {
    let s = apply([
      { type: 'start', step: 'import' },
      { type: 'job', step: 'import', job: { id: 'j1', status: 'running' } },
      { type: 'cancel' },
    ]);
    expect(s.cancelling).toBe(true);
    expect(canCancel(s)).toBe(false); // asked already
    expect(canRestart(s)).toBe(false); // still running until the job says so
    s = flowReducer(s, { type: 'job', step: 'import', job: { id: 'j1', status: 'cancelled' } });
    expect(s.steps.import.status).toBe('cancelled');
    expect(canRestart(s)).toBe(true);
  });

  it('steps without a job: done with a summary, skipped, failed, cancelled before they start', () => {
    const s = apply([
      { type: 'start', step: 'check' },
      { type: 'done', step: 'check', detail: '1 of 3 channels already in your library' },
      { type: 'skip', step: 'import', detail: 'Nothing to import.' },
      { type: 'start', step: 'build', detail: 'aligning 3 channels' },
      { type: 'fail', step: 'build', error: 'the inputs do not overlap' },
      { type: 'cancelled', step: 'render' },
    ]);
    expect(s.steps.check).toMatchObject({ status: 'done', detail: '1 of 3 channels already in your library' });
    expect(s.steps.import).toMatchObject({ status: 'skipped', detail: 'Nothing to import.' });
    expect(s.steps.build).toMatchObject({ status: 'failed', detail: 'aligning 3 channels', error: 'the inputs do not overlap' });
    expect(s.steps.render.status).toBe('cancelled');
    expect(s.steps.open.status).toBe('pending');
  });

  it('says how a job is doing', () => {
    expect(jobDetail({ id: 'j', status: 'queued', progress: { stage: 'x' } })).toBe('queued');
    expect(jobDetail({ id: 'j', status: 'running' })).toBe('running');
    expect(jobDetail({ id: 'j', status: 'running', progress: { stage: 'rendering', items_done: null, items_total: 0 } })).toBe('rendering');
  });
});

describe('guided create: the recipe', () => {
  it('one channel per filter in the proposal\'s colours, shortest wavelength first', () => {
    const plan = planWith(['F090W', 'F200W', 'F444W']);
    plan.channels.reverse(); // whatever order the plan lists them in
    plan.channels[0].record_ids = ['r-a', 'r-b']; // F444W in two tiles
    const recipe = recipeFromPlan(plan, 'Cosmic Cliffs: NIRCam: classic 3-colour');
    expect(recipe.channels.map((c) => [c.label, c.color, c.record_ids])).toEqual([
      ['F090W', '#0000ff', ['r-F090W']],
      ['F200W', '#00ff00', ['r-F200W']],
      ['F444W', '#ff0000', ['r-a', 'r-b']],
    ]);
    expect(recipe.grid).toEqual({ mode: 'union' });
    expect(recipe.name).toBe('Cosmic Cliffs: NIRCam: classic 3-colour');
    expect(recipeFromPlan(plan, 'x'.repeat(200)).name).toHaveLength(120);
  });

  it('counts the channels already in the library', () => {
    expect(haveSummary(planWith(['F090W']))).toBe('1 of 3 channels already in your library');
    expect(haveSummary(planWith(['F090W', 'F200W', 'F444W']))).toBe('3 of 3 channels already in your library');
  });
});

describe('guided create: what is announced', () => {
  it('a step\'s end, politely; a failure, at once', () => {
    expect(announcement({ type: 'done', step: 'check', detail: 'x' })).toEqual({ text: 'Check your library: done', assertive: false });
    expect(announcement({ type: 'skip', step: 'import', detail: 'x' })).toEqual({ text: 'Import what is missing: not needed', assertive: false });
    expect(announcement({ type: 'job', step: 'render', job: { id: 'j', status: 'succeeded' } })).toEqual({ text: 'Render the finished image: done', assertive: false });
    expect(announcement({ type: 'job', step: 'import', job: { id: 'j', status: 'failed', error: { message: 'HTTP 503' } } })).toEqual({
      text: 'Import what is missing failed: HTTP 503',
      assertive: true,
    });
    expect(announcement({ type: 'fail', step: 'build', error: 'no overlap' })).toEqual({ text: 'Build the composite from the recipe failed: no overlap', assertive: true });
    expect(announcement({ type: 'cancelled', step: 'render' })).toEqual({ text: 'Render the finished image: cancelled', assertive: false });
  });

  it('nothing while a step runs or for the flow\'s own bookkeeping', () => {
    expect(announcement({ type: 'start', step: 'import' })).toBeNull();
    expect(announcement({ type: 'job', step: 'import', job: { id: 'j', status: 'running', progress: { fraction: 0.5 } } })).toBeNull();
    expect(announcement({ type: 'cancel' })).toBeNull();
    expect(announcement({ type: 'composite', id: 'c' })).toBeNull();
  });
});
