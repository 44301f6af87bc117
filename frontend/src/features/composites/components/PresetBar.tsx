import { useState } from 'react';
import { savePreset, type Composite, type Presets } from '../api/composites';
import { inWavelengthOrder, type Draft } from '../hooks/useBuilder';

type Preset = Record<string, unknown>;

/** Apply a look: its channel defaults to every channel and its adjustments to the whole image. */
export function applyLook(draft: Draft, preset: Preset): Draft {
  const channel = (preset.channel ?? {}) as Preset;
  const adjust = (preset.adjust ?? {}) as Preset;
  return { ...draft, channels: draft.channels.map((c) => ({ ...c, ...channel })), adjust: { ...draft.adjust, ...adjust } };
}

export function PresetBar(p: { draft: Draft; composite: Composite; presets: Presets | undefined; onChange: (d: Draft) => void; onSaved: () => void }) {
  const [name, setName] = useState('');
  const looks = [...(p.presets?.looks ?? []), ...(p.presets?.user ?? [])];
  const sets = Object.entries(p.presets?.filter_sets ?? {});
  const filters = p.composite.channels.map((c) => c.filter);
  const onLook = (n: string) => {
    const found = looks.find((l) => l.name === n);
    if (found) p.onChange(applyLook(p.draft, found.preset));
  };
  const onSet = (n: string) => {
    const wanted = p.presets?.filter_sets[n] ?? [];
    const keep = wanted.map((f) => filters.indexOf(f)).filter((i) => i >= 0);
    if (keep.length) p.onChange({ ...p.draft, channels: keep.map((i) => p.draft.channels[i]) });
  };
  return (
    <div className="presetbar" role="group" aria-label="Presets">
      <button type="button" className="btn btn--small" onClick={() => p.onChange(inWavelengthOrder(p.draft, p.composite))}>
        Wavelength order
      </button>
      <label className="cfield cfield--inline">
        <span className="cfield__label">Look</span>
        <select value="" onChange={(e) => onLook(e.target.value)}>
          <option value="">choose…</option>
          {looks.map((l) => (
            <option key={`${l.builtin}-${l.name}`} value={l.name}>
              {l.builtin ? l.name : `${l.name} (yours)`}
            </option>
          ))}
        </select>
      </label>
      <label className="cfield cfield--inline">
        <span className="cfield__label">Filter set</span>
        <select value="" onChange={(e) => onSet(e.target.value)}>
          <option value="">choose…</option>
          {sets.map(([n, fs]) => (
            <option key={n} value={n} disabled={!fs.some((f) => filters.includes(f))}>
              {n}: {fs.join(', ')}
            </option>
          ))}
        </select>
      </label>
      <form
        className="presetbar__save"
        onSubmit={(e) => {
          e.preventDefault();
          const first = p.draft.channels[0] ?? {};
          const { record_id: _r, record_ids: _rs, color: _c, label: _l, ...channel } = first;
          void savePreset(name.trim(), { channel, adjust: p.draft.adjust ?? {} }).then(() => {
            setName('');
            p.onSaved();
          });
        }}
      >
        <label className="sr-only" htmlFor="preset-name">
          Preset name
        </label>
        <input id="preset-name" placeholder="Save as preset…" value={name} onChange={(e) => setName(e.target.value)} maxLength={60} />
        <button type="submit" className="btn btn--small" disabled={!name.trim()}>
          Save preset
        </button>
      </form>
    </div>
  );
}
