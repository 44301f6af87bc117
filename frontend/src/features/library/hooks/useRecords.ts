import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { bulkAction, listRecords, type BulkRequest, type RecordFilters } from '../api/records';

export function useRecords(filters: RecordFilters) {
  return useQuery({
    queryKey: [...queryKeys.records, 'list', filters],
    queryFn: ({ signal }) => listRecords(filters, signal),
    placeholderData: keepPreviousData,
  });
}

const PAST: Record<BulkRequest['action'], string> = {
  tag: 'Tagged',
  untag: 'Untagged',
  archive: 'Archived',
  unarchive: 'Restored',
  share: 'Sharing changed for',
  delete: 'Deleted',
};

export function useBulkAction(onDone?: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: bulkAction,
    onSuccess: (res) => {
      const n = res.succeeded;
      toast.success(`${PAST[res.action]} ${n} record${n === 1 ? '' : 's'}`);
      const firstFailure = res.items.find((i) => !i.ok);
      if (firstFailure) toast.error(`${res.failed} failed: ${firstFailure.error?.message ?? 'unknown error'}`);
      onDone?.();
    },
    onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.records }),
  });
}
