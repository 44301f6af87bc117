import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { ApiError } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { openJobsPanel } from '@/stores/ui';
import { listProducts, searchArchive, startImport, type SearchRequest } from '../api/mast';

export function useArchiveSearch(req: SearchRequest | null) {
  return useQuery({
    queryKey: ['mast', 'search', req],
    queryFn: ({ signal }) => searchArchive(req as SearchRequest, signal),
    enabled: req !== null,
    placeholderData: keepPreviousData,
    staleTime: 5 * 60_000,
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 1,
  });
}

export function useProducts(obsid: string | number | null, recommendedOnly: boolean) {
  return useQuery({
    queryKey: ['mast', 'products', obsid, recommendedOnly],
    queryFn: () => listProducts([obsid as string], recommendedOnly),
    enabled: obsid !== null,
    staleTime: 5 * 60_000,
  });
}

/** Start an import job, then open the jobs panel on it to watch its progress. */
export function useImport() {
  return useMutation({
    mutationFn: startImport,
    onSuccess: (job) => {
      toast.info('Import started');
      openJobsPanel(job.id);
    },
  });
}
