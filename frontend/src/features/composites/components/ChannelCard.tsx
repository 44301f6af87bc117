import { useState } from 'react';
import type { ChannelInfo, ChannelRecipe } from '../api/composites';
import { colourHex, limitsOf } from '../engine/looks';
import { STRETCHES } from '../engine/transfer';
import { ChannelHistogram } from './ChannelHistogram';
import { Choice, Slider } from './Slider';

const INTERVALS = [
  ['99', '99 %'],
  ['99.5', '99.5 %'],
  ['99.9', '99.9 %'],
  ['minmax', 'min–max'],
  ['zscale', 'zscale'],
  ['manual', 'manual (handles)'],
] as const;
const CURVES = [
  ['linear', 'linear'],
  ['s-curve', 'S-curve'],
  ['inverse-s', 'inverse S'],
  ['shadows', 'lift shadows'],
  ['highlights', 'compress highlights'],
] as const;

interface Props {
  channel: ChannelRecipe;
  info: ChannelInfo;
  onChange: (c: ChannelRecipe) => void;
  onRemove?: () => void;
}

/** One channel: swatch, colour, weight, stretch, limits (histogram handles), gamma, levels, curve, auto. */
export function ChannelCard({ channel: ch, info, onChange, onRemove }: Props) {
  const label = info.label;
  const hex = colourHex(ch.color, info.colour);
  const set = (patch: Partial<ChannelRecipe>) => onChange({ ...ch, ...patch });
  const curve = typeof ch.curve === 'string' ? ch.curve : 'linear';
  return (
    <li className="channel" aria-label={`Channel ${label}`}>
      <div className="channel__head">
        <svg width="18" height="18" aria-hidden="true" className="channel__swatch">
          <rect width="18" height="18" rx="4" fill={hex} />
        </svg>
        <strong>{label}</strong>
        {info.pivot_um != null && <span className="channel__wave">{info.pivot_um.toFixed(2)} µm</span>}
        <label className="cfield cfield--inline">
          <span className="sr-only">{label} colour</span>
          <input type="color" value={hex} aria-label={`${label} colour`} onChange={(e) => set({ color: e.target.value })} />
        </label>
        {onRemove && (
          <button type="button" className="btn btn--small btn--ghost" onClick={onRemove} aria-label={`Remove ${label}`}>
            Remove
          </button>
        )}
      </div>
      {info.planes != null && info.planes > 1 && <SlicePicker label={label} planes={info.planes} value={ch.slice ?? 0} onChange={(slice) => set({ slice })} />}
      <ChannelHistogram
        label={label}
        info={info}
        colour={hex}
        limits={limitsOf(ch, info)}
        onLimits={(vmin, vmax) => set({ interval: 'manual', vmin, vmax, auto: false })}
      />
      <div className="channel__grid">
        <Slider label={`${label} weight`} value={ch.weight ?? 1} min={0} max={3} step={0.05} onChange={(weight) => set({ weight })} />
        <Choice label={`${label} stretch`} value={(ch.stretch ?? 'asinh') as (typeof STRETCHES)[number]} options={STRETCHES.map((s) => [s, s] as const)} onChange={(stretch) => set({ stretch, auto: false })} />
        <Choice label={`${label} interval`} value={(ch.auto ? 'manual' : (ch.interval ?? '99.5')) as (typeof INTERVALS)[number][0]} options={INTERVALS} onChange={(interval) => set({ interval, auto: false })} />
        <Slider label={`${label} gamma`} value={ch.gamma ?? 1} min={0.2} max={3} step={0.02} onChange={(gamma) => set({ gamma, auto: false })} />
        <Slider label={`${label} black level`} value={ch.black ?? 0} min={0} max={0.9} step={0.01} onChange={(black) => set({ black })} />
        <Slider label={`${label} white level`} value={ch.white ?? 1} min={0.1} max={1} step={0.01} onChange={(white) => set({ white })} />
        <Choice label={`${label} tone curve`} value={curve as (typeof CURVES)[number][0]} options={CURVES} onChange={(c) => set({ curve: c })} />
      </div>
      <div className="channel__auto">
        <button type="button" className="btn btn--small" aria-pressed={!!ch.auto} onClick={() => set({ auto: !ch.auto, stretch: 'asinh' })}>
          Auto-stretch
        </button>
        <details>
          <summary>Why these values?</summary>
          <ul className="channel__reasons">
            {info.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </details>
      </div>
    </li>
  );
}

/** The plane of a cube the channel shows (a new plane re-creates the composite's tiles). */
export function SlicePicker({ label, planes, value, onChange }: { label: string; planes: number; value: number; onChange: (v: number) => void }) {
  const [plane, setPlane] = useState(value);
  const clamp = (v: number) => Math.min(planes - 1, Math.max(0, Math.round(v)));
  return (
    <div className="channel__slice">
      <label className="cfield cfield--inline">
        <span className="cfield__label">{`${label} plane (0–${planes - 1})`}</span>
        <input
          type="number"
          min={0}
          max={planes - 1}
          step={1}
          value={plane}
          onChange={(e) => setPlane(clamp(Number(e.target.value)))}
          onKeyDown={(e) => e.key === 'Enter' && plane !== value && onChange(plane)}
          onBlur={() => plane !== value && onChange(plane)}
        />
      </label>
      <input type="range" aria-label={`${label} plane slider`} min={0} max={planes - 1} step={1} value={plane} onChange={(e) => setPlane(clamp(Number(e.target.value)))} onPointerUp={() => plane !== value && onChange(plane)} onKeyUp={() => plane !== value && onChange(plane)} />
    </div>
  );
}
