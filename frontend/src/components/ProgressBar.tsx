/** A native <progress> (no inline styles: the production CSP forbids them). */
export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  const pct = value === null ? undefined : Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <progress className="progress" max={100} value={pct} aria-label={label}>
      {pct === undefined ? '' : `${pct}%`}
    </progress>
  );
}
