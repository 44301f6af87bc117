import { useCallback, useReducer } from 'react';
import type { ImageInfo, Interval, RenderParams } from '../api/types';
import { resolveInterval, type IntervalSource } from '../engine/interval';

export const DEFAULT_PARAMS: RenderParams = {
  ext: 'SCI',
  slice: 0,
  stretch: 'asinh',
  interval: '99.5',
  vmin: 0,
  vmax: 1,
  cmap: 'gray',
  invert: false,
  contrast: 1,
  bias: 0.5,
  gamma: 1,
  a: null,
  nan: 'transparent',
};

type Action =
  | { type: 'set'; patch: Partial<RenderParams> }
  | { type: 'interval'; interval: Interval; info: IntervalSource }
  | { type: 'levels'; vmin: number; vmax: number }
  | { type: 'reset'; info: IntervalSource };

export function reduceParams(state: RenderParams, a: Action): RenderParams {
  switch (a.type) {
    case 'set':
      return { ...state, ...a.patch };
    case 'interval': {
      if (a.interval === 'manual') return { ...state, interval: 'manual' };
      const r = resolveInterval(a.info, a.interval);
      return r ? { ...state, interval: a.interval, vmin: r[0], vmax: r[1] } : { ...state, interval: a.interval };
    }
    case 'levels':
      return { ...state, interval: 'manual', vmin: Math.min(a.vmin, a.vmax), vmax: Math.max(a.vmin, a.vmax) };
    case 'reset': {
      const r = resolveInterval(a.info, DEFAULT_PARAMS.interval);
      return { ...DEFAULT_PARAMS, ext: state.ext, ...(r ? { vmin: r[0], vmax: r[1] } : {}) };
    }
  }
}

export function initialParams(info: IntervalSource, ext = 'SCI'): RenderParams {
  const r = resolveInterval(info, DEFAULT_PARAMS.interval);
  return { ...DEFAULT_PARAMS, ext, ...(r ? { vmin: r[0], vmax: r[1] } : {}) };
}

export function useRenderParams(info: ImageInfo, ext: string) {
  const [params, dispatch] = useReducer(reduceParams, undefined, () => initialParams(info, ext));
  return {
    params,
    set: useCallback((patch: Partial<RenderParams>) => dispatch({ type: 'set', patch }), []),
    setInterval: useCallback((interval: Interval) => dispatch({ type: 'interval', interval, info }), [info]),
    setLevels: useCallback((vmin: number, vmax: number) => dispatch({ type: 'levels', vmin, vmax }), []),
    reset: useCallback(() => dispatch({ type: 'reset', info }), [info]),
  };
}
