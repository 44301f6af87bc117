import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { ProgressBar } from '@/components/ProgressBar';
import type { Plan, Proposal } from '../api/discover';
import { useImport, useJob, usePlan } from '../hooks/useDiscover';

type StepState = 'waiting' | 'active' | 'done' | 'failed';

function Step({ n, title, state, children }: { n: number; title: string; state: StepState; children?: React.ReactNode }) {
  return (
    <li className={`flow__step flow__step--${state}`} aria-current={state === 'active' ? 'step' : undefined}>
      <h3 className="flow__title">
        <span className="flow__n">{n}</span> {title} <span className="muted">({state})</span>
      </h3>
      {children}
    </li>
  );
}

/** The composite builder, pre-filled with every channel's records (one channel per filter). */
export function builderLink(plan: Plan): string {
  const ids = plan.channels.flatMap((c) => c.record_ids);
  return `/composites/new?records=${ids.map(encodeURIComponent).join(',')}`;
}

/**
 * A guided create: check which of the proposal's observations are in the library, import the
 * missing ones (a job, its progress shown), list the inputs, then open the composite builder
 * with them (it aligns the channels and orders them by wavelength).
 */
export function GuidedFlow({ targetKey, proposal }: { targetKey: string; proposal: Proposal }) {
  const plan = usePlan();
  const importer = useImport();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const [final, setFinal] = useState<Plan | null>(null);
  const [initial, setInitial] = useState<Plan | null>(null);
  const replan = plan.mutate;

  useEffect(() => {
    setJobId(null);
    setFinal(null);
    setInitial(null);
    replan({ key: targetKey, proposalId: proposal.id });
  }, [targetKey, proposal.id, replan]);

  useEffect(() => {
    if (plan.data && !initial) setInitial(plan.data);
  }, [plan.data, initial]);
  const first = plan.data && !final ? plan.data : null;
  const missing = first?.missing_obsids ?? [];
  useEffect(() => {
    if (first && first.ready) setFinal(first);
  }, [first]);
  useEffect(() => {
    if (job.data?.status === 'succeeded') {
      plan.mutate({ key: targetKey, proposalId: proposal.id }, { onSuccess: (p) => setFinal(p) });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job.data?.status]);

  const checkState: StepState = plan.isError ? 'failed' : plan.data ? 'done' : 'active';
  const importState: StepState = !plan.data
    ? 'waiting'
    : missing.length === 0 && !jobId
      ? 'done'
      : job.data?.status === 'succeeded'
        ? 'done'
        : job.data?.status === 'failed' || job.data?.status === 'cancelled' || importer.isError
          ? 'failed'
          : 'active';
  const readyState: StepState = final?.ready ? 'done' : 'waiting';
  const buildState: StepState = final?.composite_available ? 'active' : final?.ready ? 'failed' : 'waiting';
  const progress = job.data?.progress;

  return (
    <section className="flow" aria-labelledby="flow-title">
      <h2 id="flow-title">Making: {proposal.title}</h2>
      <ol className="flow__steps">
        <Step n={1} title="Check your library" state={checkState}>
          {plan.isError && <ErrorNotice error={plan.error} />}
          {initial && (
            <p>
              {initial.channels.length - initial.channels.filter((c) => c.missing_obsids.length).length} of{' '}
              {initial.channels.length} channels already in your library.
            </p>
          )}
        </Step>
        <Step n={2} title="Import what is missing" state={importState}>
          {first && missing.length > 0 && !jobId && (
            <button
              type="button"
              className="btn btn--primary"
              disabled={importer.isPending}
              onClick={() => importer.mutate(missing, { onSuccess: (j) => setJobId(j.id) })}
            >
              Import {missing.length} observation{missing.length === 1 ? '' : 's'}
            </button>
          )}
          {importer.isError && <ErrorNotice error={importer.error} />}
          {jobId && (
            <div className="flow__progress">
              <ProgressBar value={progress?.fraction ?? null} label="Import progress" />
              <span role="status">
                {job.data?.status ?? 'queued'} {progress?.stage ? `· ${progress.stage}` : ''}{' '}
                {progress?.message ?? ''}
              </span>
              {job.data?.error && <p className="field__error">{job.data.error.message}</p>}
            </div>
          )}
          {plan.data && missing.length === 0 && !jobId && <p>Nothing to import.</p>}
        </Step>
        <Step n={3} title="Inputs ready" state={readyState}>
          {final?.ready && (
            <ul className="flow__inputs" aria-label="Inputs in your library">
              {final.channels.map((c) => (
                <li key={c.channel.filter}>
                  {c.channel.filter}:{' '}
                  {c.record_ids.map((id) => (
                    <Link key={id} to={`/records/${id}`}>
                      open record
                    </Link>
                  ))}
                </li>
              ))}
            </ul>
          )}
        </Step>
        <Step n={4} title="Build the composite" state={buildState}>
          {final?.composite_available && (
            <Link className="btn btn--primary" to={builderLink(final)}>
              Open the composite builder with these {final.channels.length} channels
            </Link>
          )}
          {final?.ready && !final.composite_available && <p>This server cannot build a composite of these records.</p>}
        </Step>
      </ol>
    </section>
  );
}
