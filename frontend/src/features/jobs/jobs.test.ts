import type { Job } from './api/jobs';
import { describeProgress, jobFraction, jobState, jobTitle, mergeJob } from './hooks/jobsCache';

const job = (over: Partial<Job>): Job => ({
  id: 'j1',
  type: 'mast_import',
  owner_id: 'u',
  params: { obsids: ['jw02731-o001'] },
  status: 'running',
  progress: { fraction: 0.25, stage: 'downloading', bytes_done: 5 * 1048576, bytes_total: 20 * 1048576 },
  result: null,
  error: null,
  attempts: 1,
  max_attempts: 3,
  cancel_requested: false,
  compute: false,
  lease: null,
  created_at: '2026-01-01T00:00:00Z',
  started_at: null,
  finished_at: null,
  updated_at: '2026-01-01T00:00:01Z',
  version: 2,
  ...over,
});

describe('jobs cache', () => {
  it('merges hub updates, newest state wins, new jobs first', () => {
    let page = mergeJob(undefined, job({}));
    page = mergeJob(page, job({ id: 'j2' }));
    expect(page.items.map((j) => j.id)).toEqual(['j2', 'j1']);
    page = mergeJob(page, job({ status: 'succeeded', updated_at: '2026-01-01T00:00:05Z', version: 4 }));
    expect(page.items[1].status).toBe('succeeded');
    page = mergeJob(page, job({ status: 'running', updated_at: '2026-01-01T00:00:02Z', version: 3 })); // stale
    expect(page.items[1].status).toBe('succeeded');
    expect(page.total).toBe(2);
  });

  it('orders states by version, not by timestamp strings (…:00Z sorts after …:00.300000Z)', () => {
    let page = mergeJob(undefined, job({ status: 'running', updated_at: '2026-01-01T00:00:00Z', version: 7 }));
    page = mergeJob(page, job({ status: 'succeeded', updated_at: '2026-01-01T00:00:00.300000Z', version: 8 }));
    expect(page.items[0].status).toBe('succeeded');
    page = mergeJob(page, job({ status: 'running', updated_at: '2026-01-01T00:00:00Z', version: 7 })); // late
    expect(page.items[0].status).toBe('succeeded');
  });

  it('shows a job whose worker went quiet as waiting for a worker', () => {
    const quiet = job({ waiting_for_worker: true });
    expect(jobState(quiet)).toBe('waiting for a worker');
    expect(describeProgress(quiet)).toMatch(/waiting for a worker/i);
    expect(jobState(job({}))).toBe('running');
  });

  it('describes progress for people', () => {
    expect(describeProgress(job({}))).toBe('downloading · 5/20 MB');
    expect(describeProgress(job({ status: 'failed', error: { code: 'x', message: 'archive unreachable' } }))).toBe('archive unreachable');
    expect(jobFraction(job({}))).toBe(0.25);
    expect(jobFraction(job({ progress: { fraction: 0, items_done: 1, items_total: 4 } }))).toBe(0.25);
    expect(jobTitle(job({}))).toBe('Archive import: jw02731-o001');
  });
});
