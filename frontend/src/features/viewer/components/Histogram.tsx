import { useId, useMemo, useRef, useState } from 'react';
import { formatNumber } from '@/lib/format';

interface Props {
  counts: number[];
  edges: number[];
  vmin: number;
  vmax: number;
  unit?: string | null;
  onChange: (vmin: number, vmax: number, at: number) => void;
}

const W = 300;
const H = 90;

/**
 * Log-count histogram with draggable black and white points. Each handle is also a keyboard
 * slider (arrows move 0.5% of the range, Page keys 5%).
 */
export function Histogram({ counts, edges, vmin, vmax, unit, onChange }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const descId = useId();
  const [drag, setDrag] = useState<'lo' | 'hi' | null>(null);
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  const range = hi - lo || 1;
  const toX = (v: number) => ((v - lo) / range) * W;
  const fromX = (x: number) => lo + (Math.min(W, Math.max(0, x)) / W) * range;

  const path = useMemo(() => {
    const max = Math.log1p(Math.max(1, ...counts));
    const bw = W / counts.length;
    return counts.map((c, i) => `M${(i * bw).toFixed(2)} ${H}V${(H - (Math.log1p(c) / max) * (H - 4)).toFixed(2)}h${bw.toFixed(2)}V${H}`).join('');
  }, [counts]);

  const move = (e: React.PointerEvent) => {
    if (!drag || !svg.current) return;
    const r = svg.current.getBoundingClientRect();
    const v = fromX(((e.clientX - r.left) / r.width) * W);
    if (drag === 'lo') onChange(Math.min(v, vmax - range * 1e-4), vmax, e.timeStamp);
    else onChange(vmin, Math.max(v, vmin + range * 1e-4), e.timeStamp);
  };

  const key = (which: 'lo' | 'hi') => (e: React.KeyboardEvent) => {
    const small = range * 0.005;
    const big = range * 0.05;
    const d = { ArrowLeft: -small, ArrowDown: -small, ArrowRight: small, ArrowUp: small, PageDown: -big, PageUp: big }[e.key];
    if (d === undefined) return;
    e.preventDefault();
    if (which === 'lo') onChange(Math.min(vmin + d, vmax - range * 1e-4), vmax, e.timeStamp);
    else onChange(vmin, Math.max(vmax + d, vmin + range * 1e-4), e.timeStamp);
  };

  const handle = (which: 'lo' | 'hi', v: number, label: string) => {
    const x = Math.min(W, Math.max(0, toX(v)));
    return (
      <g
        className={`histogram__handle histogram__handle--${which}`}
        role="slider"
        tabIndex={0}
        aria-label={label}
        aria-valuemin={lo}
        aria-valuemax={hi}
        aria-valuenow={v}
        aria-valuetext={`${formatNumber(v)}${unit ? ` ${unit}` : ''}`}
        onPointerDown={(e) => {
          (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
          setDrag(which);
        }}
        onKeyDown={key(which)}
      >
        <rect x={x - 6} y={0} width={12} height={H} className="histogram__hit" />
        <line x1={x} x2={x} y1={0} y2={H} />
      </g>
    );
  };

  const u = unit ? ` ${unit}` : '';
  return (
    <figure className="histogram">
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        className="histogram__svg"
        role="group"
        aria-label="Histogram of pixel values, with the black and white points"
        aria-describedby={descId}
        onPointerMove={move}
        onPointerUp={() => setDrag(null)}
        onPointerCancel={() => setDrag(null)}
      >
        <rect
          x={Math.max(0, toX(vmin))}
          width={Math.max(0, Math.min(W, toX(vmax)) - Math.max(0, toX(vmin)))}
          y={0}
          height={H}
          className="histogram__window"
          aria-hidden="true"
        />
        <path d={path} className="histogram__bars" aria-hidden="true" />
        {handle('lo', vmin, 'Black point')}
        {handle('hi', vmax, 'White point')}
      </svg>
      <p id={descId} className="sr-only">
        How many pixels have each value (counts on a log scale), from {formatNumber(lo)} to {formatNumber(hi)}
        {u}. Pixels at or below the black point ({formatNumber(vmin)}
        {u}) show black, at or above the white point ({formatNumber(vmax)}
        {u}) white. Move a point with the arrow keys, or Page Up and Page Down for bigger steps, or drag it.
      </p>
      <figcaption className="histogram__caption" aria-hidden="true">
        <span>{formatNumber(vmin)}</span>
        <span className="muted">{unit ?? ''}</span>
        <span>{formatNumber(vmax)}</span>
      </figcaption>
    </figure>
  );
}
