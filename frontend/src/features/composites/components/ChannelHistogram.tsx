import type { ChannelInfo } from '../api/composites';

interface Props {
  label: string;
  info: ChannelInfo;
  limits: [number, number];
  colour: string;
  onLimits: (vmin: number, vmax: number) => void;
}

/** The channel's histogram (log counts) with black and white point handles (keyboard: arrows, Page Up/Down). */
export function ChannelHistogram({ label, info, limits, colour, onLimits }: Props) {
  const { hist_counts: counts, hist_edges: edges } = info;
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const step = (hi - lo) / 500 || 1e-6;
  const peak = Math.max(1, ...counts.map((c) => Math.log10(1 + c)));
  const x = (v: number) => ((v - lo) / (hi - lo || 1)) * 256;
  const bars = counts.map((c, i) => {
    const h = (Math.log10(1 + c) / peak) * 60;
    return <rect key={i} x={(i / counts.length) * 256} y={60 - h} width={256 / counts.length} height={h} fill={colour} opacity={0.8} />;
  });
  const [vmin, vmax] = limits;
  return (
    <div className="chist">
      <svg viewBox="0 0 256 60" className="chist__plot" role="img" aria-label={`${label} histogram`}>
        <rect x={0} y={0} width={256} height={60} fill="#111" />
        {bars}
        <line x1={x(vmin)} x2={x(vmin)} y1={0} y2={60} stroke="#fff" strokeDasharray="3 2" />
        <line x1={x(vmax)} x2={x(vmax)} y1={0} y2={60} stroke="#fff" />
      </svg>
      <label className="chist__handle">
        <span className="sr-only">{label} black point</span>
        <input
          type="range"
          min={lo}
          max={hi}
          step={step}
          value={Math.min(Math.max(vmin, lo), hi)}
          aria-label={`${label} black point`}
          onChange={(e) => onLimits(Math.min(Number(e.target.value), vmax - step), vmax)}
        />
      </label>
      <label className="chist__handle">
        <span className="sr-only">{label} white point</span>
        <input
          type="range"
          min={lo}
          max={hi}
          step={step}
          value={Math.min(Math.max(vmax, lo), hi)}
          aria-label={`${label} white point`}
          onChange={(e) => onLimits(vmin, Math.max(Number(e.target.value), vmin + step))}
        />
      </label>
    </div>
  );
}
