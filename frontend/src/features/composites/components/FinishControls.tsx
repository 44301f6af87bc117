import type { Draft } from '../hooks/useBuilder';
import { Choice, Slider } from './Slider';

const GRIDS = [
  ['union', 'cover every input (union)'],
  ['intersection', 'common area (intersection)'],
  ['finest', 'finest input’s grid'],
  ['pixel', 'pixels as they are'],
] as const;

/** Whole-image adjustments (drawn live) and geometry (grid, rotation, size: re-created on change). */
export function FinishControls({ draft, sizes, onChange }: { draft: Draft; sizes: Record<string, number[]>; onChange: (d: Draft) => void }) {
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
        <legend>In previews and exports</legend>
        <Slider label="Sharpen" value={a.sharpen_amount ?? 0} min={0} max={2} step={0.05} onChange={(sharpen_amount) => adj({ sharpen_amount })} />
        <Slider label="Feather edges (px)" value={a.feather_px ?? 0} min={0} max={50} step={1} onChange={(feather_px) => adj({ feather_px })} format={(v) => `${v}`} />
        <label className="cfield cfield--check">
          <input type="checkbox" checked={a.match_resolution ?? false} onChange={(e) => adj({ match_resolution: e.target.checked })} />
          Match resolution (blur finer channels)
        </label>
      </fieldset>
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
    </div>
  );
}
