import { useEffect, useRef, useState } from 'react';

interface Props {
  size: number;
  values?: Array<number | string>;
  unit?: string;
  slice: number;
  onChange: (slice: number) => void;
  /** Playing through the slices (controlled, so a keyboard shortcut can toggle it). */
  playing?: boolean;
  onPlaying?: (playing: boolean) => void;
}

/** Milliseconds per slice while playing. */
export const PLAY_INTERVAL_MS = 400;

/** The cube's slice, and play/pause through the slices; the image follows after a short pause while the thumb is moving. */
export function SliceSlider({ size, values, unit, slice, onChange, playing = false, onPlaying }: Props) {
  const [local, setLocal] = useState(slice);
  useEffect(() => setLocal(slice), [slice]);
  useEffect(() => {
    if (local === slice) return;
    const t = setTimeout(() => onChange(local), 120);
    return () => clearTimeout(t);
  }, [local, slice, onChange]);
  const change = useRef(onChange);
  change.current = onChange;
  useEffect(() => {
    if (!playing) return;
    const t = setTimeout(() => change.current((slice + 1) % size), PLAY_INTERVAL_MS);
    return () => clearTimeout(t);
  }, [playing, slice, size]);
  const v = values?.[local];
  return (
    <div className="field field--range">
      <label htmlFor="v-slice">
        Slice <output htmlFor="v-slice">{local + 1}</output> of {size}
        {v !== undefined && ` · ${typeof v === 'number' ? v.toPrecision(5) : v}${unit ? ` ${unit}` : ''}`}
      </label>
      <input id="v-slice" type="range" min={0} max={size - 1} step={1} value={local} onChange={(e) => setLocal(Number(e.target.value))} />
      {onPlaying && (
        <button type="button" className="btn btn--small" aria-pressed={playing} onClick={() => onPlaying(!playing)}>
          {playing ? 'Pause' : 'Play'} slices
        </button>
      )}
    </div>
  );
}
