import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { getHeaders, getLineage, getRecord, patchRecord, type RecordPatch } from '../api/record';

export function useRecord(id: string) {
  return useQuery({ queryKey: queryKeys.record(id), queryFn: () => getRecord(id) });
}

export function useHeaders(id: string, enabled: boolean) {
  return useQuery({ queryKey: [...queryKeys.record(id), 'headers'], queryFn: () => getHeaders(id), enabled, staleTime: Infinity });
}

export function useLineage(id: string, enabled: boolean) {
  return useQuery({ queryKey: [...queryKeys.record(id), 'lineage'], queryFn: () => getLineage(id), enabled });
}

export function usePatchRecord(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RecordPatch) => patchRecord(id, body),
    onSuccess: (rec) => {
      qc.setQueryData(queryKeys.record(id), rec);
      void qc.invalidateQueries({ queryKey: [...queryKeys.records, 'list'] });
      toast.success('Saved');
    },
  });
}
