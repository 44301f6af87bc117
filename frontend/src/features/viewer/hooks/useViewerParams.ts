import { useEffect } from 'react';
import type { ImageInfo } from '../api/types';
import { limitsSource } from '../engine/interval';
import { useRenderParams } from './useRenderParams';
import { usePlaneStats } from './useViewerData';

/**
 * The viewer's display settings. A cube's limits and histogram (`source`) are those of its shown
 * plane: requested when the slice changes, cached per record, extension and plane, and until the
 * first plane's arrive (or if they cannot be had) the whole cube's.
 */
export function useViewerParams(id: string, info: ImageInfo, ext: string) {
  const render = useRenderParams(info, ext);
  const plane = usePlaneStats(id, info, ext, render.params.slice);
  const { setSource } = render;
  useEffect(() => setSource(limitsSource(info, plane)), [info, plane, setSource]);
  return render;
}
