import { useMutation, useQuery } from '@tanstack/react-query';
import { getJob, getTarget, importObservations, listTargets, planProposal } from '../api/discover';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export function useTargets() {
  return useQuery({ queryKey: ['discover', 'targets'], queryFn: ({ signal }) => listTargets(signal), staleTime: Infinity });
}

export function useTarget(key: string, enabled = true) {
  return useQuery({
    queryKey: ['discover', 'target', key],
    queryFn: ({ signal }) => getTarget(key, signal),
    enabled,
    staleTime: 5 * 60_000,
  });
}

export function usePlan() {
  return useMutation({ mutationFn: ({ key, proposalId }: { key: string; proposalId: string }) => planProposal(key, proposalId) });
}

export function useImport() {
  return useMutation({ mutationFn: importObservations });
}

/** A job followed until it ends (polled: the flow shows its progress). */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: ['jobs', 'one', id],
    queryFn: ({ signal }) => getJob(id as string, signal),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data && TERMINAL.has(q.state.data.status) ? false : 1000),
  });
}
