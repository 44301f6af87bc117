import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { toast } from '@/stores/toasts';
import { errorMessage } from '@/lib/api/errors';
import { createRegion, deleteRegion, listRegions, updateRegion } from '../api/analysis';
import type { Region, SavedRegion } from '../api/analysisTypes';
import type { AnalysisScene } from './useAnalysisScene';

/** The caller's saved regions on a record, mirrored into the overlay scene. */
export function useRegions(id: string, a: AnalysisScene, onSelect: (id: string | null) => void) {
  const qc = useQueryClient();
  const key = ['viewer', id, 'regions'];
  const list = useQuery({ queryKey: key, queryFn: () => listRegions(id), staleTime: 30_000 });
  useEffect(() => {
    a.scene.regions = (list.data?.items ?? []).map((r: SavedRegion) => ({ ...r, region: { ...r.region } }));
    a.redraw();
  }, [list.data, a]);
  const fail = (err: unknown) => toast.error(errorMessage(err));
  const create = useMutation({
    mutationFn: (r: Region) => createRegion(id, r),
    onSuccess: (saved) => {
      qc.setQueryData<{ items: SavedRegion[] }>(key, (old) => ({ items: [...(old?.items ?? []), saved] }));
      onSelect(saved.id);
    },
    onError: fail,
  });
  const update = useMutation({
    mutationFn: ({ rid, region, label }: { rid: string; region?: Region; label?: string | null }) => updateRegion(id, rid, { region, label }),
    onSuccess: (saved) => qc.setQueryData<{ items: SavedRegion[] }>(key, (old) => ({ items: (old?.items ?? []).map((r) => (r.id === saved.id ? saved : r)) })),
    onError: (err) => {
      fail(err);
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const remove = useMutation({
    mutationFn: (rid: string) => deleteRegion(id, rid),
    onSuccess: (_, rid) => {
      qc.setQueryData<{ items: SavedRegion[] }>(key, (old) => ({ items: (old?.items ?? []).filter((r) => r.id !== rid) }));
      onSelect(null);
    },
    onError: fail,
  });
  return { list, create, update, remove, refresh: () => qc.invalidateQueries({ queryKey: key }) };
}
