import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '@/lib/api/errors';
import { freshToken } from '@/lib/api/token';
import { HubClient, hubUrl, type HubMessage, type HubStatus } from '@/lib/hub';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { cancelJob, isTerminal, listJobs, retryJob, type Job, type JobPage, type JobStatus } from '../api/jobs';
import { jobTitle, mergeJob } from './jobsCache';

const BACKGROUND_TYPES = new Set(['thumbnail']);

export const JOBS_LIST_KEY = [...queryKeys.jobs, 'list'] as const;

export function useJobsList() {
  return useQuery({
    queryKey: JOBS_LIST_KEY,
    queryFn: ({ signal }) => listJobs({ limit: 50 }, signal),
    // A missing endpoint (not deployed yet) is not worth retrying or toasting.
    retry: (n, err) => !(err instanceof ApiError && err.status === 404) && n < 2,
    staleTime: 30_000,
  });
}

/**
 * One hub connection for the signed-in user: every own job's state, live. Updates go into the
 * query cache; a job seen running that then fails raises a toast with the API's message.
 * `focusJobId` (a job just created, e.g. by an import) is also subscribed to by id.
 */
export function useJobsHub(enabled: boolean, focusJobId: string | null = null): HubStatus {
  const qc = useQueryClient();
  const [status, setStatus] = useState<HubStatus>('idle');
  const seen = useRef(new Map<string, JobStatus>());
  const hubRef = useRef<HubClient | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const onJob = (job: Job) => {
      const listed = qc.getQueryData<JobPage>(JOBS_LIST_KEY)?.items.find((j) => j.id === job.id);
      const before = seen.current.get(job.id) ?? listed?.status;
      seen.current.set(job.id, job.status);
      qc.setQueryData<JobPage>(JOBS_LIST_KEY, (page) => mergeJob(page, job));
      qc.setQueryData([...queryKeys.jobs, 'one', job.id], job);
      if (before && !isTerminal(before) && isTerminal(job.status)) {
        if (job.status === 'failed') toast.error(`${jobTitle(job)} failed: ${job.error?.message ?? 'unknown error'}`);
        if (job.status === 'succeeded') {
          // Background jobs (thumbnails) finish silently; what a person started is announced.
          if (!BACKGROUND_TYPES.has(job.type)) toast.success(`${jobTitle(job)} finished`);
          void qc.invalidateQueries({ queryKey: queryKeys.records });
        }
      }
    };
    const hub = new HubClient({
      url: hubUrl('/hubs/jobs'),
      getToken: () => freshToken(),
      onStatus: setStatus,
      onMessage: (msg: HubMessage) => {
        if (msg.type === 'job' && msg.job) onJob(msg.job as Job);
        else if (msg.type === 'error') {
          const e = msg.error as { message?: string } | undefined;
          if (e?.message) console.warn('jobs hub:', e.message);
        }
      },
    });
    hubRef.current = hub;
    hub.subscribe('all', { type: 'subscribe' });
    hub.start();
    return () => {
      hub.stop();
      hubRef.current = null;
    };
  }, [enabled, qc]);

  useEffect(() => {
    if (!enabled || !focusJobId) return;
    void qc.invalidateQueries({ queryKey: JOBS_LIST_KEY });
    const hub = hubRef.current;
    const key = `job:${focusJobId}`;
    hub?.subscribe(key, { type: 'subscribe', job_id: focusJobId });
    return () => hub?.unsubscribe(key);
  }, [enabled, focusJobId, qc]);

  return status;
}

export function useJobAction(kind: 'cancel' | 'retry') {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => (kind === 'cancel' ? cancelJob(id) : retryJob(id)),
    onSuccess: (job) => {
      qc.setQueryData<JobPage>(JOBS_LIST_KEY, (page) => mergeJob(page, job));
      toast.info(kind === 'cancel' ? 'Cancelling…' : 'Retrying');
    },
  });
}
