import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { getGrid, getImageInfo, getPixel } from '../api/viewer';
import type { PixelValue } from '../api/types';

export function useImageInfo(id: string, ext: string) {
  return useQuery({ queryKey: ['viewer', id, 'info', ext], queryFn: ({ signal }) => getImageInfo(id, ext, signal), staleTime: Infinity, retry: 1 });
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
