import { COLORMAPS, INTERVALS, STRETCHES, type Colormap, type Interval, type RenderParams, type Stretch } from '../api/types';
import { ColormapSwatch } from './ColormapSwatch';

interface Props {
  params: RenderParams;
  onChange: (patch: Partial<RenderParams>, at: number) => void;
  onInterval: (iv: Interval, at: number) => void;
  onReset: () => void;
}

const INTERVAL_LABEL: Record<Interval, string> = {
  minmax: 'Min–max',
  '99.9': '99.9%',
  '99.5': '99.5%',
  '99': '99%',
  zscale: 'ZScale',
  manual: 'Manual',
};

/** Stretch, interval, colour map and fine adjustments; each change shows at once. */
export function Controls({ params, onChange, onInterval, onReset }: Props) {
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
      <details className="viewer-controls__more">
        <summary>Contrast, bias, gamma (power stretch)</summary>
        {slider('contrast', 'Contrast', 0, 5, 0.05)}
        {slider('bias', 'Bias', 0, 1, 0.01)}
        {slider('gamma', 'Gamma', 0.2, 5, 0.05)}
        <button type="button" className="btn btn--small" onClick={onReset}>
          Reset display
        </button>
      </details>
    </section>
  );
}
