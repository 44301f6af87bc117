import { useCallback, useReducer, useState } from 'react';
import type { ImageInfo, Interval, RenderParams } from '../api/types';
import { customPercentile, resolveInterval, type IntervalSource } from '../engine/interval';

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
  lower: 1,
  upper: 99,
  nan: 'transparent',
};

type Action =
  | { type: 'set'; patch: Partial<RenderParams> }
  | { type: 'interval'; interval: Interval; info: IntervalSource }
  | { type: 'levels'; vmin: number; vmax: number }
  | { type: 'percentile'; lower: number; upper: number; info: IntervalSource }
  | { type: 'reset'; info: IntervalSource }
  | { type: 'source'; info: IntervalSource };

export function reduceParams(state: RenderParams, a: Action): RenderParams {
  switch (a.type) {
    case 'set':
      return { ...state, ...a.patch };
    case 'interval': {
      if (a.interval === 'manual') return { ...state, interval: 'manual' };
      if (a.interval === 'percentile') return reduceParams(state, { type: 'percentile', lower: state.lower, upper: state.upper, info: a.info });
      const r = resolveInterval(a.info, a.interval);
      return r ? { ...state, interval: a.interval, vmin: r[0], vmax: r[1] } : { ...state, interval: a.interval };
    }
    case 'percentile': {
      const lower = Math.max(0, Math.min(100, a.lower));
      const upper = Math.max(lower, Math.min(100, a.upper));
      const r = customPercentile(a.info, lower, upper);
      return { ...state, interval: 'percentile', lower, upper, ...(r ? { vmin: r[0], vmax: r[1] } : {}) };
    }
    case 'levels':
      return { ...state, interval: 'manual', vmin: Math.min(a.vmin, a.vmax), vmax: Math.max(a.vmin, a.vmax) };
    case 'source': {
      // New statistics (a cube's shown plane): the same interval, over them; typed limits stay.
      if (state.interval === 'manual') return state;
      const r = state.interval === 'percentile' ? customPercentile(a.info, state.lower, state.upper) : resolveInterval(a.info, state.interval);
      if (!r || (r[0] === state.vmin && r[1] === state.vmax)) return state;
      return { ...state, vmin: r[0], vmax: r[1] };
    }
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

/**
 * The display settings, their limits computed from `source`: the image's statistics at first;
 * `setSource` switches to others (a cube's shown plane's) and recomputes the limits over them.
 */
export function useRenderParams(info: ImageInfo, ext: string) {
  const [params, dispatch] = useReducer(reduceParams, undefined, () => initialParams(info, ext));
  const [source, setSourceState] = useState<IntervalSource>(info);
  return {
    params,
    source,
    setSource: useCallback((next: IntervalSource) => {
      setSourceState(next);
      dispatch({ type: 'source', info: next });
    }, []),
    set: useCallback((patch: Partial<RenderParams>) => dispatch({ type: 'set', patch }), []),
    setInterval: useCallback((interval: Interval) => dispatch({ type: 'interval', interval, info: source }), [source]),
    setLevels: useCallback((vmin: number, vmax: number) => dispatch({ type: 'levels', vmin, vmax }), []),
    setPercentile: useCallback((lower: number, upper: number) => dispatch({ type: 'percentile', lower, upper, info: source }), [source]),
    reset: useCallback(() => dispatch({ type: 'reset', info: source }), [source]),
  };
}
