/** Jobs API, typed from the backend's OpenAPI document (`npm run gen:api`). */
import { api, unwrap, type Schemas } from '@/lib/api/client';
import type { paths } from '@/lib/api/schema';

export type Job = Schemas['Job'];
export type JobPage = Schemas['JobPage'];
export type JobStatus = Schemas['JobStatus'];
export type JobProgress = Schemas['Progress'];

export type JobQuery = NonNullable<paths['/api/jobs']['get']['parameters']['query']>;

const path = (id: string) => ({ params: { path: { job_id: id } } });

export const listJobs = (q: JobQuery = {}, signal?: AbortSignal) => unwrap(api.GET('/api/jobs', { params: { query: q }, signal }));
export const getJob = (id: string) => unwrap(api.GET('/api/jobs/{job_id}', path(id)));
export const cancelJob = (id: string) => unwrap(api.POST('/api/jobs/{job_id}/cancel', path(id)));
export const retryJob = (id: string) => unwrap(api.POST('/api/jobs/{job_id}/retry', path(id)));

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (s: JobStatus) => TERMINAL.has(s);
