import { toggleJobsPanel, jobsPanelStore } from '@/stores/ui';
import { isTerminal } from '../api/jobs';
import { useJobsList } from '../hooks/useJobs';

export const JOBS_BUTTON_ID = 'jobs-button';

export function JobsButton() {
  const open = jobsPanelStore.useStore((s) => s.open);
  const jobs = useJobsList();
  const active = jobs.data?.items.filter((j) => !isTerminal(j.status)).length ?? 0;
  return (
    <button type="button" id={JOBS_BUTTON_ID} className="btn btn--ghost nav__jobs" aria-expanded={open} aria-controls="jobs-panel" onClick={toggleJobsPanel}>
      Jobs
      {active > 0 && (
        <span className="badge badge--running" aria-label={`${active} active`}>
          {active}
        </span>
      )}
    </button>
  );
}
