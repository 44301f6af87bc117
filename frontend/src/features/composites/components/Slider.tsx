/** A labelled range input showing its value (keyboard accessible as a native slider). */
export function Slider(p: { label: string; value: number; min: number; max: number; step: number; onChange: (v: number) => void; format?: (v: number) => string }) {
  return (
    <label className="cfield">
      <span className="cfield__label">{p.label}</span>
      <input type="range" min={p.min} max={p.max} step={p.step} value={p.value} onChange={(e) => p.onChange(Number(e.target.value))} />
      <output className="cfield__value">{p.format ? p.format(p.value) : p.value.toFixed(2)}</output>
    </label>
  );
}

export function Choice<T extends string>(p: { label: string; value: T; options: ReadonlyArray<readonly [T, string]>; onChange: (v: T) => void }) {
  return (
    <label className="cfield">
      <span className="cfield__label">{p.label}</span>
      <select value={p.value} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
