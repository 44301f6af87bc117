import { useQuery } from '@tanstack/react-query';
import { getTarget, listTargets } from '../api/discover';

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
