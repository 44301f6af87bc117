import { ProgressBar } from '@/components/ProgressBar';
import { formatDate, formatPercent } from '@/lib/format';
import { isTerminal, type Job } from '../api/jobs';
import { useJobAction } from '../hooks/useJobs';
import { describeProgress, jobFraction, jobState, jobTitle } from '../hooks/jobsCache';

export function JobItem({ job, focused }: { job: Job; focused: boolean }) {
  const cancel = useJobAction('cancel');
  const retry = useJobAction('retry');
  const fraction = jobFraction(job);
  const title = jobTitle(job);
  return (
    <li className={`job job--${job.status}${focused ? ' is-focused' : ''}`} data-job-id={job.id} data-status={job.status}>
      <div className="job__head">
        <span className="job__title">{title}</span>
        <span className={`badge badge--${job.status}`}>{jobState(job)}</span>
      </div>
      {!isTerminal(job.status) && <ProgressBar value={fraction} label={`Progress of ${title}`} />}
      <p className="job__detail" aria-live={focused ? 'polite' : undefined}>
        {describeProgress(job)}
        {fraction !== null && !isTerminal(job.status) ? ` · ${formatPercent(fraction)}` : ''}
      </p>
      <div className="job__foot">
        <span className="muted">{formatDate(job.created_at)}</span>
        {!isTerminal(job.status) && (
          <button type="button" className="btn btn--small" onClick={() => cancel.mutate(job.id)} disabled={cancel.isPending} aria-label={`Cancel ${title}`}>
            Cancel
          </button>
        )}
        {(job.status === 'failed' || job.status === 'cancelled') && (
          <button type="button" className="btn btn--small" onClick={() => retry.mutate(job.id)} disabled={retry.isPending} aria-label={`Retry ${title}`}>
            Retry
          </button>
        )}
      </div>
    </li>
  );
}
