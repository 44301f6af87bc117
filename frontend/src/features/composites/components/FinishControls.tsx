import { useState } from 'react';
import type { Composite } from '../api/composites';
import type { Draft } from '../hooks/useBuilder';
import { Choice, Slider } from './Slider';

const GRIDS = [
  ['union', 'cover every input (union)'],
  ['intersection', 'common area (intersection)'],
  ['finest', 'finest input’s grid'],
  ['pixel', 'pixels as they are'],
] as const;

const STRETCHES = ['asinh', 'linear', 'sqrt', 'log'] as const;

/** LRGB: one channel's records (usually the deepest or sharpest filter) as the luminance. */
export function LuminanceControls({ draft, composite, onChange }: { draft: Draft; composite: Composite; onChange: (d: Draft) => void }) {
  const ids = (c: Draft['channels'][number]) => (c.record_ids ?? [c.record_id]).filter(Boolean) as string[];
  const lum = draft.luminance ?? null;
  const lumKey = lum ? ids(lum).join(',') : '';
  const options = [['', 'none (RGB only)'] as const, ...draft.channels.map((c, i) => [ids(c).join(','), `${composite.channels[i]?.label ?? `channel ${i + 1}`}`] as const)];
  const choose = (key: string) => {
    if (!key) return onChange({ ...draft, luminance: null });
    const from = draft.channels.find((c) => ids(c).join(',') === key);
    onChange({ ...draft, luminance: { record_ids: key.split(','), slice: from?.slice ?? null, ext: from?.ext, auto: true, stretch: 'asinh' } });
  };
  return (
    <fieldset className="finish__group">
      <legend>Luminance (LRGB)</legend>
      <Choice label="Luminance from" value={lumKey} options={options} onChange={choose} />
      {lum && (
        <>
          <Choice
            label="Luminance stretch"
            value={(lum.auto ? 'auto' : (lum.stretch ?? 'asinh')) as 'auto' | (typeof STRETCHES)[number]}
            options={[['auto', 'auto-stretch'] as const, ...STRETCHES.map((v) => [v, v] as const)]}
            onChange={(v) => onChange({ ...draft, luminance: v === 'auto' ? { ...lum, auto: true, stretch: 'asinh' } : { ...lum, auto: false, stretch: v } })}
          />
          <Slider label="Luminance gamma" value={lum.gamma ?? 1} min={0.2} max={3} step={0.02} onChange={(gamma) => onChange({ ...draft, luminance: { ...lum, gamma, auto: false } })} />
        </>
      )}
    </fieldset>
  );
}

/** Crop as x, y, width, height in pixels of the grid (x from the left, y from the top). */
export function CropControls({ draft, composite, onChange }: { draft: Draft; composite: Composite; onChange: (d: Draft) => void }) {
  const o = draft.output ?? {};
  const crop = o.crop ?? null;
  // The reference grid's size: the composite's at scale 1 without a crop or rotation.
  const full = { width: Math.round(composite.width / (o.scale ?? 1)), height: Math.round(composite.height / (o.scale ?? 1)) };
  const [edit, setEdit] = useState<number[]>(crop ?? [0, 0, full.width, full.height]);
  const names = ['Crop x', 'Crop y', 'Crop width', 'Crop height'];
  const valid = edit[2] > 0 && edit[3] > 0 && edit[0] >= 0 && edit[1] >= 0;
  return (
    <fieldset className="finish__group">
      <legend>Crop</legend>
      <div className="finish__crop">
        {names.map((label, i) => (
          <label className="cfield" key={label}>
            <span className="cfield__label">{label}</span>
            <input type="number" min={i < 2 ? 0 : 1} step={1} value={edit[i]} onChange={(e) => setEdit(edit.map((v, j) => (j === i ? Math.round(Number(e.target.value)) : v)))} />
          </label>
        ))}
      </div>
      <button type="button" className="btn btn--small" disabled={!valid} onClick={() => onChange({ ...draft, output: { ...o, crop: edit } })}>
        Apply crop
      </button>
      {crop && (
        <button type="button" className="btn btn--small btn--ghost" onClick={() => onChange({ ...draft, output: { ...o, crop: null } })}>
          Remove crop
        </button>
      )}
    </fieldset>
  );
}

/** Whole-image adjustments (drawn live) and geometry (grid, rotation, size: re-created on change). */
export function FinishControls({ draft, composite, sizes, onChange }: { draft: Draft; composite: Composite; sizes: Record<string, number[]>; onChange: (d: Draft) => void }) {
  const a = draft.adjust ?? {};
  const o = draft.output ?? {};
  const adj = (patch: Partial<NonNullable<Draft['adjust']>>) => onChange({ ...draft, adjust: { ...a, ...patch } });
  const out = (patch: Partial<NonNullable<Draft['output']>>) => onChange({ ...draft, output: { ...o, ...patch } });
  const presetOptions = [['', 'grid size (scale)'] as const, ...Object.entries(sizes).map(([k, [w, h]]) => [k, `${k} (${w} × ${h})`] as const)];
  return (
    <div className="finish">
      <fieldset className="finish__group">
        <legend>Whole image</legend>
        <label className="cfield cfield--check">
          <input type="checkbox" checked={a.neutralise ?? true} onChange={(e) => adj({ neutralise: e.target.checked })} />
          Neutral background
        </label>
        <Slider label="Saturation" value={a.saturation ?? 1} min={0} max={2.5} step={0.05} onChange={(saturation) => adj({ saturation })} />
        <Slider label="Vibrance" value={a.vibrance ?? 0} min={-1} max={1.5} step={0.05} onChange={(vibrance) => adj({ vibrance })} />
        <Slider label="Hue rotation" value={a.hue ?? 0} min={-180} max={180} step={1} onChange={(hue) => adj({ hue })} format={(v) => `${v}°`} />
        <Slider label="Levels black" value={a.black ?? 0} min={0} max={0.5} step={0.01} onChange={(black) => adj({ black })} />
        <Slider label="Levels white" value={a.white ?? 1} min={0.5} max={1} step={0.01} onChange={(white) => adj({ white })} />
        <Slider label="Levels midtones" value={a.midtones ?? 1} min={0.3} max={3} step={0.05} onChange={(midtones) => adj({ midtones })} />
      </fieldset>
      <fieldset className="finish__group">
        <legend>Detail and edges</legend>
        <Slider label="Sharpen" value={a.sharpen_amount ?? 0} min={0} max={2} step={0.05} onChange={(sharpen_amount) => adj({ sharpen_amount })} />
        <Slider label="Sharpen radius (px)" value={a.sharpen_radius ?? 1} min={0.5} max={10} step={0.5} onChange={(sharpen_radius) => adj({ sharpen_radius })} format={(v) => `${v}`} />
        <Slider label="Feather edges (px)" value={a.feather_px ?? 0} min={0} max={50} step={1} onChange={(feather_px) => adj({ feather_px })} format={(v) => `${v}`} />
        <label className="cfield cfield--check">
          <input type="checkbox" checked={a.match_resolution ?? false} onChange={(e) => adj({ match_resolution: e.target.checked })} />
          Match resolution (blur finer channels)
        </label>
      </fieldset>
      <LuminanceControls draft={draft} composite={composite} onChange={onChange} />
      <fieldset className="finish__group">
        <legend>Geometry</legend>
        <Choice label="Grid" value={(draft.grid?.mode ?? 'union') as (typeof GRIDS)[number][0]} options={GRIDS} onChange={(mode) => onChange({ ...draft, grid: { ...draft.grid, mode } })} />
        <label className="cfield">
          <span className="cfield__label">Rotation (degrees)</span>
          <input type="number" min={-360} max={360} step={1} value={o.rotate ?? 0} onChange={(e) => out({ rotate: Number(e.target.value) })} />
        </label>
        <Choice label="Output size" value={(o.preset ?? '') as string} options={presetOptions} onChange={(preset) => out({ preset: preset || null })} />
        {!o.preset && <Slider label="Scale" value={o.scale ?? 1} min={0.25} max={2} step={0.25} onChange={(scale) => out({ scale })} />}
      </fieldset>
      <CropControls key={JSON.stringify(o.crop ?? null)} draft={draft} composite={composite} onChange={onChange} />
    </div>
  );
}
