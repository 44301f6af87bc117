import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Spinner } from '@/components/Spinner';
import { formatBytes } from '@/lib/format';
import { useIndexStatus, useRebuild } from '../hooks/useSearch';

/** For administrators: the semantic index's count, lag and model, and a rebuild. */
export function IndexStatusPanel() {
  const status = useIndexStatus();
  const rebuild = useRebuild();
  const s = status.data;
  return (
    <div className="page page--index-status">
      <PageHeader title="Search index">
        <button type="button" className="btn" onClick={() => rebuild.mutate()} disabled={rebuild.isPending || !!s?.rebuild_job}>
          Rebuild the index
        </button>
      </PageHeader>
      {status.isPending && <Spinner />}
      {status.isError && <ErrorNotice error={status.error} />}
      {s && (
        <dl className="facts" aria-label="Index status">
          <dt>State</dt>
          <dd>{s.engine ? s.engine.state : `unreachable: ${s.engine_error ?? ''}`}</dd>
          {s.engine?.reason && (
            <>
              <dt>Why</dt>
              <dd>{s.engine.reason}</dd>
            </>
          )}
          <dt>Records indexed</dt>
          <dd>
            {s.engine?.count ?? 0} of {s.library_records}
          </dd>
          <dt>Lag</dt>
          <dd>{s.lag} record change{s.lag === 1 ? '' : 's'} waiting</dd>
          <dt>Model</dt>
          <dd>
            {s.engine?.model ?? '—'} {s.engine?.model_version ? `(${s.engine.model_version})` : ''}{' '}
            {s.engine?.precision ?? ''}
          </dd>
          <dt>Memory</dt>
          <dd>{formatBytes(s.engine?.memory_bytes ?? 0)}</dd>
          <dt>Rebuild</dt>
          <dd>{s.rebuild_job ? `job ${s.rebuild_job} running` : 'none running'}</dd>
        </dl>
      )}
    </div>
  );
}
