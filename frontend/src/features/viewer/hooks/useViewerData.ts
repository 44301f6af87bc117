import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { getGrid, getImageInfo, getPixel, getPlaneStats } from '../api/viewer';
import type { ImageInfo, PixelValue, PlaneStats } from '../api/types';

export function useImageInfo(id: string, ext: string) {
  return useQuery({ queryKey: ['viewer', id, 'info', ext], queryFn: ({ signal }) => getImageInfo(id, ext, signal), staleTime: Infinity, retry: 1 });
}

/** The query key of a plane's statistics: one entry per record, extension and plane. */
export const planeStatsKey = (id: string, ext: string, slice: number) => ['viewer', id, 'plane-stats', ext, slice] as const;

/**
 * The statistics of a cube's shown plane (its display limits come from them), fetched once per
 * record, extension and plane and kept in the query cache, so going back to a plane asks nothing.
 * While a plane's load the last plane's stay (the limits do not jump to the whole cube's and back).
 * Null for a 2-D image, and until the first plane's arrive or if they cannot be had.
 */
export function usePlaneStats(id: string, info: ImageInfo, ext: string, slice: number): PlaneStats | null {
  const cube = (info.cube?.size ?? 1) > 1;
  const q = useQuery({
    queryKey: planeStatsKey(id, ext, slice),
    queryFn: ({ signal }) => getPlaneStats(id, ext, slice, signal),
    enabled: cube,
    staleTime: Infinity,
    retry: 1,
    placeholderData: keepPreviousData,
  });
  return cube ? (q.data ?? null) : null;
}

export function useGrid(id: string, ext: string, enabled: boolean) {
  return useQuery({ queryKey: ['viewer', id, 'grid', ext], queryFn: () => getGrid(id, ext), enabled, staleTime: Infinity, retry: false });
}

/**
 * The pixel value and sky position at an array position: one request in flight at a time, the
 * latest position wins (so moving the mouse never queues up requests).
 */
export function usePixel(id: string, pos: [number, number] | null, ext: string, slice: number) {
  const [data, setData] = useState<(PixelValue & { x: number; y: number }) | null>(null);
  const [error, setError] = useState<unknown>(null);
  const busy = useRef(false);
  const wanted = useRef<[number, number] | null>(null);

  useEffect(() => {
    wanted.current = pos;
    if (!pos) return;
    const run = async () => {
      if (busy.current || !wanted.current) return;
      const [x, y] = wanted.current;
      busy.current = true;
      try {
        const v = await getPixel(id, x, y, ext, slice);
        setData({ ...v, x, y });
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        busy.current = false;
        const w = wanted.current;
        if (w && (w[0] !== x || w[1] !== y)) void run();
      }
    };
    void run();
  }, [id, pos?.[0], pos?.[1], ext, slice]); // eslint-disable-line react-hooks/exhaustive-deps

  return { data, error };
}
