import { useCallback, useMemo, useRef } from 'react';
import type { ImageInfo } from '../api/types';
import type { ToolHandler } from '../engine/input';
import { pixelScaleFromWcs } from '../engine/overlay';
import type { ViewerEngine } from '../engine/ViewerEngine';
import { emptyScene, type Scene } from '../layers/scene';
import { northAngle } from '../layers/wcsAngles';

/** The analysis overlays' scene (one mutable object the engine draws), the active tool and a redraw. */
export function useAnalysisScene(engine: ViewerEngine | null, info: ImageInfo) {
  const scene = useMemo<Scene>(() => ({ ...emptyScene(), arcsecPerPixel: pixelScaleFromWcs(info.wcs), northAngle: northAngle(info.wcs) }), [info]);
  const tool = useRef<ToolHandler | null>(null);
  const engineRef = useRef(engine);
  engineRef.current = engine;
  const redraw = useCallback(() => engineRef.current?.requestRender(), []);
  const toArray = useCallback((d: [number, number]): [number, number] => engineRef.current?.toArray(d) ?? d, []);
  return { scene, tool, redraw, toArray };
}

export type AnalysisScene = ReturnType<typeof useAnalysisScene>;
