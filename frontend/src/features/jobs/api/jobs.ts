/**
 * Jobs API (endpoint landing soon; shapes from the lead's contract). When `/api/jobs` appears in
 * the OpenAPI document, `npm run gen:api` types it and these calls can move to `api.GET`.
 */
import { request } from '@/lib/api/client';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  fraction?: number | null;
  stage?: string | null;
  message?: string | null;
  bytes_done?: number | null;
  bytes_total?: number | null;
  items_done?: number | null;
  items_total?: number | null;
}

export interface Job {
  id: string;
  type: string;
  owner_id: string;
  params: Record<string, unknown>;
  status: JobStatus;
  progress: JobProgress | null;
  result: unknown;
  error: { code: string; message: string } | null;
  attempts: number;
  /** Running, but its worker missed a heartbeat: waiting for another worker to take it over. */
  waiting_for_worker?: boolean;
  /** Incremented by every write of the job: the order of its states. */
  version?: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface JobPage {
  items: Job[];
  total: number;
}

export interface JobQuery {
  status?: JobStatus;
  type?: string;
  offset?: number;
  limit?: number;
}

export const listJobs = (q: JobQuery = {}, signal?: AbortSignal) =>
  request<JobPage>('/api/jobs', { query: { ...q }, signal });
export const getJob = (id: string) => request<Job>(`/api/jobs/${encodeURIComponent(id)}`);
export const cancelJob = (id: string) => request<Job>(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
export const retryJob = (id: string) => request<Job>(`/api/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST' });

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (s: JobStatus) => TERMINAL.has(s);
