import { useEffect, useState } from 'react';
import { COLORMAPS, INTERVALS, STRETCHES, type Colormap, type Interval, type RenderParams, type Stretch } from '../api/types';
import { ASINH_A, LOG_A, SINH_A, TAKES_A } from '../engine/stretch';
import { ColormapSwatch } from './ColormapSwatch';

interface Props {
  params: RenderParams;
  onChange: (patch: Partial<RenderParams>, at: number) => void;
  onInterval: (iv: Interval, at: number) => void;
  /** Typed black and white points (makes the interval manual). */
  onLevels?: (vmin: number, vmax: number, at: number) => void;
  /** A custom percentile interval (lower, upper in 0-100). */
  onPercentile?: (lower: number, upper: number, at: number) => void;
  onReset: () => void;
}

const INTERVAL_LABEL: Record<Interval, string> = {
  minmax: 'Min–max',
  '99.9': '99.9%',
  '99.5': '99.5%',
  '99': '99%',
  zscale: 'ZScale',
  percentile: 'Custom percentile',
  manual: 'Manual',
};

const DEFAULT_A: Record<string, number> = { log: LOG_A, asinh: ASINH_A, sinh: SINH_A };

const NAN_CHOICES: Array<[string, string]> = [
  ['transparent', 'Transparent'],
  ['#000000', 'Black'],
  ['#ffffff', 'White'],
  ['#ff00ff', 'Magenta'],
  ['custom', 'Custom…'],
];

/** A number field that reports a finite value when it is left or Enter is pressed. */
function NumberField({ id, label, value, onCommit, step = 'any', min, max }: { id: string; label: string; value: number; onCommit: (v: number, at: number) => void; step?: string; min?: number; max?: number }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(Number.isFinite(value) ? String(Number(value.toPrecision(7))) : ''), [value]);
  const commit = (at: number) => {
    const v = Number(text);
    if (text.trim() !== '' && Number.isFinite(v) && v !== value) onCommit(v, at);
  };
  return (
    <div className="field field--number">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        step={step}
        min={min}
        max={max}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={(e) => commit(e.timeStamp)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e.timeStamp);
        }}
      />
    </div>
  );
}

/** Stretch, interval, colour map and fine adjustments; each change shows at once. */
export function Controls({ params, onChange, onInterval, onLevels, onPercentile, onReset }: Props) {
  const custom = !NAN_CHOICES.some(([v]) => v === params.nan);
  const slider = (key: 'contrast' | 'bias' | 'gamma', label: string, min: number, max: number, step: number) => (
    <div className="field field--range">
      <label htmlFor={`v-${key}`}>
        {label} <output htmlFor={`v-${key}`}>{params[key].toFixed(2)}</output>
      </label>
      <input
        id={`v-${key}`}
        type="range"
        min={min}
        max={max}
        step={step}
        value={params[key]}
        onChange={(e) => onChange({ [key]: Number(e.target.value) }, e.timeStamp)}
      />
    </div>
  );
  return (
    <section className="viewer-controls" aria-label="Display">
      <div className="field">
        <label htmlFor="v-stretch">Stretch</label>
        <select id="v-stretch" value={params.stretch} onChange={(e) => onChange({ stretch: e.target.value as Stretch }, e.timeStamp)}>
          {STRETCHES.map((s) => (
            <option key={s} value={s}>
              {s === 'histeq' ? 'histogram eq.' : s}
            </option>
          ))}
        </select>
      </div>
      {TAKES_A.has(params.stretch) && (
        <NumberField
          id="v-a"
          label={`Parameter a (${params.stretch}; default ${Number(DEFAULT_A[params.stretch].toPrecision(4))})`}
          value={params.a ?? DEFAULT_A[params.stretch]}
          min={params.stretch === 'sinh' ? 1 / 85 : 0}
          onCommit={(a, at) => {
            if (a > 0 && (params.stretch !== 'sinh' || a >= 1 / 85)) onChange({ a }, at);
          }}
        />
      )}
      {params.stretch === 'power' && slider('gamma', 'Gamma', 0.2, 5, 0.05)}
      <div className="field">
        <label htmlFor="v-interval">Interval</label>
        <select id="v-interval" value={params.interval} onChange={(e) => onInterval(e.target.value as Interval, e.timeStamp)}>
          {INTERVALS.map((i) => (
            <option key={i} value={i}>
              {INTERVAL_LABEL[i]}
            </option>
          ))}
        </select>
      </div>
      {params.interval === 'percentile' && onPercentile && (
        <div className="field-row" role="group" aria-label="Custom percentile">
          <NumberField id="v-lower" label="Lower %" value={params.lower} min={0} max={100} onCommit={(v, at) => onPercentile(v, params.upper, at)} />
          <NumberField id="v-upper" label="Upper %" value={params.upper} min={0} max={100} onCommit={(v, at) => onPercentile(params.lower, v, at)} />
        </div>
      )}
      {onLevels && (
        <div className="field-row" role="group" aria-label="Black and white points">
          <NumberField id="v-vmin" label="Minimum" value={params.vmin} onCommit={(v, at) => v < params.vmax && onLevels(v, params.vmax, at)} />
          <NumberField id="v-vmax" label="Maximum" value={params.vmax} onCommit={(v, at) => v > params.vmin && onLevels(params.vmin, v, at)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="v-cmap">Colour map</label>
        <select id="v-cmap" value={params.cmap} onChange={(e) => onChange({ cmap: e.target.value as Colormap }, e.timeStamp)}>
          {COLORMAPS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <ColormapSwatch name={params.cmap} invert={params.invert} />
      </div>
      <label className="check">
        <input type="checkbox" checked={params.invert} onChange={(e) => onChange({ invert: e.target.checked }, e.timeStamp)} /> Invert
      </label>
      <div className="field">
        <label htmlFor="v-nan">NaN colour</label>
        <select
          id="v-nan"
          value={custom ? 'custom' : params.nan}
          onChange={(e) => onChange({ nan: e.target.value === 'custom' ? '#808080' : e.target.value }, e.timeStamp)}
        >
          {NAN_CHOICES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        {custom && <input type="color" aria-label="Custom NaN colour" value={params.nan} onChange={(e) => onChange({ nan: e.target.value }, e.timeStamp)} />}
      </div>
      <details className="viewer-controls__more">
        <summary>Contrast and bias</summary>
        {slider('contrast', 'Contrast', 0, 5, 0.05)}
        {slider('bias', 'Bias', 0, 1, 0.01)}
        <button type="button" className="btn btn--small" onClick={onReset}>
          Reset display
        </button>
      </details>
    </section>
  );
}
