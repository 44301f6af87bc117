import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { indexStatus, rebuildIndex, search, similar, type SearchParams } from '../api/search';

export function useSearch(params: SearchParams) {
  return useQuery({
    queryKey: [...queryKeys.records, 'search', params],
    queryFn: ({ signal }) => search(params, signal),
    enabled: params.q.trim().length > 0 && params.q.length <= 500,
    placeholderData: keepPreviousData,
  });
}

export function useSimilar(id: string) {
  return useQuery({
    queryKey: [...queryKeys.record(id), 'similar'],
    queryFn: ({ signal }) => similar(id, signal),
    staleTime: 60_000,
  });
}

export function useIndexStatus() {
  return useQuery({
    queryKey: ['semantic', 'status'],
    queryFn: ({ signal }) => indexStatus(signal),
    refetchInterval: 5_000,
  });
}

export function useRebuild() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: rebuildIndex,
    onSuccess: () => {
      toast.success('Rebuilding the search index (a job)');
      void qc.invalidateQueries({ queryKey: ['semantic', 'status'] });
    },
  });
}
