import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { openJobsPanel } from '@/stores/ui';
import { clearMastToken, getMastToken, listProducts, searchArchive, setMastToken, startImport, type SearchRequest } from '../api/mast';

const TOKEN_KEY = ['mast', 'token'] as const;

export function useArchiveSearch(req: SearchRequest | null) {
  return useQuery({
    queryKey: ['mast', 'search', req],
    queryFn: ({ signal }) => searchArchive(req as SearchRequest, signal),
    enabled: req !== null,
    placeholderData: keepPreviousData,
    staleTime: 5 * 60_000,
    // A search is sent once per click: a failure is shown with "Try again", not re-sent.
    retry: false,
  });
}

export function useProducts(obsid: string | null, recommendedOnly: boolean) {
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

/** Whether the signed-in user has a MAST API token stored (never the token itself). */
export function useMastToken(enabled: boolean) {
  return useQuery({
    queryKey: TOKEN_KEY,
    queryFn: getMastToken,
    enabled,
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 1,
  });
}

export function useSetMastToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: setMastToken,
    meta: { silent: true },
    onSuccess: (status) => {
      qc.setQueryData(TOKEN_KEY, status);
      void qc.invalidateQueries({ queryKey: ['mast', 'products'] });
    },
  });
}

export function useClearMastToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: clearMastToken,
    onSuccess: () => {
      qc.setQueryData(TOKEN_KEY, { set: false, set_at: null, name: null });
      void qc.invalidateQueries({ queryKey: ['mast', 'products'] });
    },
  });
}
