import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import type { RecordFilters } from '../api/records';

export const PAGE_SIZE = 50;
const KEYS = ['q', 'instrument', 'filter', 'target', 'processing_level', 'tags', 'visibility', 'archived', 'owner', 'sort', 'order'] as const;

export type LibraryView = 'table' | 'grid';

/** Parse the library's state from the URL (so a filtered view can be bookmarked and shared). */
export function parseLibraryParams(params: URLSearchParams): { filters: RecordFilters; view: LibraryView } {
  const filters: Record<string, string | number> = {};
  for (const k of KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const offset = Number(params.get('offset') ?? 0);
  filters.offset = Number.isFinite(offset) && offset > 0 ? Math.floor(offset) : 0;
  filters.limit = PAGE_SIZE;
  return { filters: filters as RecordFilters, view: params.get('view') === 'grid' ? 'grid' : 'table' };
}

export function useLibraryParams() {
  const [params, setParams] = useSearchParams();
  const parsed = useMemo(() => parseLibraryParams(params), [params]);

  /** Change filters; any change other than the page itself goes back to the first page. */
  const update = useCallback(
    (changes: Partial<Record<(typeof KEYS)[number] | 'offset' | 'view', string | number | undefined>>) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(changes)) {
            if (v === undefined || v === '' || (k === 'offset' && v === 0)) next.delete(k);
            else next.set(k, String(v));
          }
          if (!('offset' in changes)) next.delete('offset');
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  return { ...parsed, update };
}
