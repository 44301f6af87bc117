import { useEffect, useState } from 'react';

interface Props {
  size: number;
  values?: Array<number | string>;
  unit?: string;
  slice: number;
  onChange: (slice: number) => void;
}

/** The cube's slice; the image follows after a short pause while the thumb is moving. */
export function SliceSlider({ size, values, unit, slice, onChange }: Props) {
  const [local, setLocal] = useState(slice);
  useEffect(() => setLocal(slice), [slice]);
  useEffect(() => {
    if (local === slice) return;
    const t = setTimeout(() => onChange(local), 120);
    return () => clearTimeout(t);
  }, [local, slice, onChange]);
  const v = values?.[local];
  return (
    <div className="field field--range">
      <label htmlFor="v-slice">
        Slice <output htmlFor="v-slice">{local + 1}</output> of {size}
        {v !== undefined && ` · ${typeof v === 'number' ? v.toPrecision(5) : v}${unit ? ` ${unit}` : ''}`}
      </label>
      <input id="v-slice" type="range" min={0} max={size - 1} step={1} value={local} onChange={(e) => setLocal(Number(e.target.value))} />
    </div>
  );
}
