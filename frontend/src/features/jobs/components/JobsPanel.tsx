import { useEffect, useRef } from 'react';
import { ErrorNotice, NotAvailable } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import { ApiError } from '@/lib/api/errors';
import { closeJobsPanel, jobsPanelStore } from '@/stores/ui';
import { useJobsHub, useJobsList } from '../hooks/useJobs';
import { JobItem } from './JobItem';
import { JOBS_BUTTON_ID } from './JobsButton';

/** A drawer reachable from every page: the jobs, live over the hub, with cancel and retry. */
export function JobsPanel({ enabled }: { enabled: boolean }) {
  const { open, focusJobId } = jobsPanelStore.useStore((s) => s);
  const hubStatus = useJobsHub(enabled, focusJobId);
  const jobs = useJobsList();
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);

  // Focus moves into the panel when it opens, and back to what opened it (the Jobs button, the
  // archive's import button…) when it closes, unless the user has put it somewhere else since.
  useEffect(() => {
    if (open) {
      const active = document.activeElement;
      opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
      wasOpen.current = true;
      heading.current?.focus();
      return;
    }
    if (!wasOpen.current) return;
    wasOpen.current = false;
    const lost = !document.activeElement || document.activeElement === document.body;
    const back = opener.current?.isConnected ? opener.current : document.getElementById(JOBS_BUTTON_ID);
    opener.current = null;
    if (lost) back?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closeJobsPanel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);

  if (!open) return null;
  const missing = jobs.error instanceof ApiError && jobs.error.status === 404;
  return (
    <aside className="jobs-panel" aria-labelledby="jobs-heading" id="jobs-panel">
      <div className="jobs-panel__head">
        <h2 id="jobs-heading" ref={heading} tabIndex={-1}>
          Jobs
        </h2>
        <span className={`hub-status hub-status--${hubStatus}`} title={`Live updates: ${hubStatus}`}>
          {hubStatus === 'open' ? 'live' : hubStatus === 'connecting' ? 'connecting…' : 'offline'}
        </span>
        <button type="button" className="btn btn--ghost btn--small" onClick={closeJobsPanel} aria-label="Close the jobs panel">
          ×
        </button>
      </div>
      {jobs.isPending && <Spinner label="Loading jobs" />}
      {missing && <NotAvailable what="The jobs service" />}
      {jobs.isError && !missing && <ErrorNotice error={jobs.error} onRetry={() => void jobs.refetch()} />}
      {jobs.data && jobs.data.items.length === 0 && <p className="muted">No jobs yet. Imports from the archive appear here.</p>}
      {jobs.data && (
        <ul className="jobs-list" aria-label="Jobs">
          {jobs.data.items.map((j) => (
            <JobItem key={j.id} job={j} focused={j.id === focusJobId} />
          ))}
        </ul>
      )}
    </aside>
  );
}
