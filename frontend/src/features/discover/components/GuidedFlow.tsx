import { ProgressBar } from '@/components/ProgressBar';
import type { Proposal } from '../api/discover';
import { canCancel, canRestart, isRunning, STEPS, type StepState, type StepStatus } from '../guided/flow';
import { useGuidedCreate } from '../hooks/useGuidedCreate';

const SAYS: Record<StepStatus, string> = {
  pending: 'waiting',
  running: 'running',
  done: 'done',
  skipped: 'not needed',
  failed: 'failed',
  cancelled: 'cancelled',
};

function Step({ n, title, job, step }: { n: number; title: string; job?: string; step: StepState }) {
  return (
    <li className={`flow__step flow__step--${step.status}`} aria-current={step.status === 'running' ? 'step' : undefined} data-status={step.status}>
      <h3 className="flow__title">
        <span className="flow__n">{n}</span> {title} <span className="muted">({SAYS[step.status]})</span>
      </h3>
      {job && step.jobId ? (
        <div className="flow__progress">
          <ProgressBar value={step.status === 'done' ? 1 : step.fraction} label={job} />
          {step.detail && <span>{step.detail}</span>}
        </div>
      ) : (
        step.detail && <p>{step.detail}</p>
      )}
      {step.error && (
        <p className="field__error" role="alert">
          {step.error}
        </p>
      )}
    </li>
  );
}

/**
 * The guided create of a proposal, every step visible: check the library, import what is missing
 * (a job, its progress shown), build the composite from the recipe, render the finished image (a
 * job), then open the composite. Cancel stops the running job; a failed or cancelled flow may be
 * started again (what was imported stays).
 */
export function GuidedFlow({ targetKey, targetName, proposal }: { targetKey: string; targetName: string; proposal: Proposal }) {
  const { state, cancel, restart } = useGuidedCreate(targetKey, targetName, proposal);
  const running = isRunning(state);
  return (
    <section className="flow" aria-labelledby="flow-title" aria-busy={running}>
      <h2 id="flow-title">Making: {proposal.title}</h2>
      <ol className="flow__steps">
        {STEPS.map((s, i) => (
          <Step key={s.key} n={i + 1} title={s.title} job={s.job} step={state.steps[s.key]} />
        ))}
      </ol>
      <div className="flow__actions">
        {canCancel(state) && (
          <button type="button" className="btn" onClick={cancel}>
            Cancel
          </button>
        )}
        {state.cancelling && running && <span role="status">Cancelling…</span>}
        {canRestart(state) && (
          <button type="button" className="btn btn--primary" onClick={restart}>
            Start again
          </button>
        )}
      </div>
    </section>
  );
}
