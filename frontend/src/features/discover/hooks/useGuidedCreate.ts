/**
 * The guided create in a component: runs the steps (`guided/run.ts`) when a proposal is chosen
 * (and again on "Start again"), keeps their state (`guided/flow.ts`), and opens the composite
 * when they are done. Leaving the page stops following (the jobs go on); Cancel cancels the
 * running job.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { cancelJob, createComposite, getJob, importObservations, planProposal, renderComposite, type Proposal } from '../api/discover';
import { announce } from '@/lib/announce';
import { announcement, flowReducer, initialFlow, type FlowEvent } from '../guided/flow';
import { runGuided, type GuidedApi } from '../guided/run';

/** How often a running job is asked for its progress. */
const POLL_MS = 1000;

export function useGuidedCreate(targetKey: string, targetName: string, proposal: Proposal) {
  const [state, dispatch] = useReducer(flowReducer, undefined, initialFlow);
  const [attempt, setAttempt] = useState(0);
  const cancelled = useRef(false);
  const navigate = useNavigate();
  // Read when the flow ends, so that a new identity of either does not start it again.
  const latest = useRef({ navigate, name: `${targetName}: ${proposal.title}` });
  useEffect(() => {
    latest.current = { navigate, name: `${targetName}: ${proposal.title}` };
  });

  useEffect(() => {
    let stopped = false;
    cancelled.current = false;
    const api: GuidedApi = {
      plan: () => planProposal(targetKey, proposal.id),
      importObservations: (obsids) => importObservations(obsids),
      createComposite: (recipe) => createComposite(recipe),
      renderComposite: (id) => renderComposite(id),
      getJob: (id) => getJob(id),
      cancelJob: (id) => cancelJob(id),
      pause: () => new Promise((resolve) => setTimeout(resolve, POLL_MS)),
    };
    const control = { cancelled: () => cancelled.current, stopped: () => stopped };
    const tell = (event: FlowEvent) => {
      dispatch(event);
      const said = announcement(event);
      if (said) announce(said.text, said.assertive ? 'assertive' : 'polite');
    };
    void runGuided(api, tell, control, latest.current.name).then((out) => {
      if (out && !stopped) void latest.current.navigate(`/composites/${out.compositeId}`);
    });
    return () => {
      stopped = true;
    };
  }, [targetKey, proposal.id, attempt]);

  const cancel = useCallback(() => {
    cancelled.current = true;
    dispatch({ type: 'cancel' });
  }, []);
  const restart = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, cancel, restart };
}
