import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { formatNumber } from '@/lib/format';
import { getLines } from '../../api/analysis';
import type { Spectrum } from '../../api/analysisTypes';
import { extent, nearest, ticks } from './plotScale';

const W = 640;
const H = 300;
const M = { l: 64, r: 12, t: 12, b: 36 };

interface Props {
  spectrum: Spectrum;
  title: string;
  /** Show line markers (µm wavelengths only). */
  lines?: boolean;
}

/**
 * Flux against wavelength as SVG: an error band, axes with units, zoom (drag across a range,
 * or the buttons; Reset shows everything), a readout of the nearest sample under the pointer,
 * and markers of the shipped line list shifted by a redshift.
 */
export function SpectrumPlot({ spectrum, title, lines = true }: Props) {
  const { wavelength: wl, values, error } = spectrum;
  const full = useMemo(() => extent(wl) ?? [0, 1], [wl]);
  const [view, setView] = useState<[number, number] | null>(null);
  const [x0, x1] = view ?? full;
  const [hover, setHover] = useState<number | null>(null);
  const [drag, setDrag] = useState<[number, number] | null>(null);
  const [z, setZ] = useState(0);
  const [showLines, setShowLines] = useState(lines && spectrum.unit === 'um');
  const svg = useRef<SVGSVGElement>(null);

  const inView = useMemo(() => wl.map((w) => w !== null && w >= x0 && w <= x1), [wl, x0, x1]);
  const [y0, y1] = useMemo(() => {
    const vs: number[] = [];
    values.forEach((v, i) => {
      if (!inView[i] || v === null) return;
      const e = error?.[i] ?? 0;
      vs.push(v - (e ?? 0), v + (e ?? 0));
    });
    const e = extent(vs) ?? [0, 1];
    const pad = (e[1] - e[0]) * 0.05;
    return [e[0] - pad, e[1] + pad];
  }, [values, error, inView]);
  const sx = (w: number) => M.l + ((w - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  const toWl = (px: number) => x0 + ((px - M.l) / (W - M.l - M.r)) * (x1 - x0);

  const segments = useMemo(() => {
    const out: string[] = [];
    let cur = '';
    wl.forEach((w, i) => {
      const v = values[i];
      if (w === null || v === null || !inView[i]) {
        if (cur) out.push(cur);
        cur = '';
        return;
      }
      cur += `${cur ? 'L' : 'M'}${sx(w).toFixed(1)},${sy(v).toFixed(1)}`;
    });
    if (cur) out.push(cur);
    return out;
  }, [wl, values, inView, x0, x1, y0, y1]); // eslint-disable-line react-hooks/exhaustive-deps
  const band = useMemo(() => {
    if (!error) return null;
    const up: string[] = [];
    const down: string[] = [];
    wl.forEach((w, i) => {
      const v = values[i];
      const e = error[i];
      if (w === null || v === null || e === null || !inView[i]) return;
      up.push(`${sx(w).toFixed(1)},${sy(v + e).toFixed(1)}`);
      down.unshift(`${sx(w).toFixed(1)},${sy(v - e).toFixed(1)}`);
    });
    return up.length ? [...up, ...down].join(' ') : null;
  }, [wl, values, error, inView, x0, x1, y0, y1]); // eslint-disable-line react-hooks/exhaustive-deps

  const lineList = useQuery({ queryKey: ['lines', z, x0, x1], queryFn: () => getLines(z, x0, x1), enabled: showLines, staleTime: Infinity });

  const local = (e: React.PointerEvent) => {
    const r = svg.current!.getBoundingClientRect();
    return ((e.clientX - r.left) / r.width) * W;
  };
  const zoomBy = (f: number) => {
    const c = (x0 + x1) / 2;
    const h = ((x1 - x0) / 2) * f;
    setView([Math.max(full[0], c - h), Math.min(full[1], c + h)]);
  };
  const i = hover;
  const unit = spectrum.unit === 'um' ? 'µm' : spectrum.unit;

  return (
    <figure className="spectrum" data-testid="spectrum-plot">
      <figcaption>{title}</figcaption>
      <div className="tool-row" role="group" aria-label="Spectrum zoom">
        <button type="button" className="btn btn--small" onClick={() => zoomBy(0.5)}>
          Zoom in
        </button>
        <button type="button" className="btn btn--small" onClick={() => zoomBy(2)}>
          Zoom out
        </button>
        <button type="button" className="btn btn--small" onClick={() => setView(null)} disabled={!view}>
          Reset zoom
        </button>
        {spectrum.unit === 'um' && (
          <>
            <label className="check">
              <input type="checkbox" checked={showLines} onChange={(e) => setShowLines(e.target.checked)} /> Lines
            </label>
            <span className="field field--inline">
              <label htmlFor="spec-z">Redshift z</label>
              <input id="spec-z" type="number" step={0.001} min={-0.5} max={20} value={z} onChange={(e) => setZ(Number(e.target.value) || 0)} />
            </span>
          </>
        )}
      </div>
      <svg
        ref={svg}
        viewBox={`0 0 ${W} ${H}`}
        className="spectrum__svg"
        role="img"
        aria-label={`${title}: flux against wavelength from ${formatNumber(x0)} to ${formatNumber(x1)} ${unit}`}
        onPointerMove={(e) => {
          const px = local(e);
          setHover(nearest(wl, toWl(px)));
          if (drag) setDrag([drag[0], px]);
        }}
        onPointerLeave={() => setHover(null)}
        onPointerDown={(e) => {
          const px = local(e);
          setDrag([px, px]);
        }}
        onPointerUp={() => {
          if (drag && Math.abs(drag[1] - drag[0]) > 8) {
            const a = toWl(Math.min(drag[0], drag[1]));
            const b = toWl(Math.max(drag[0], drag[1]));
            setView([Math.max(full[0], a), Math.min(full[1], b)]);
          }
          setDrag(null);
        }}
      >
        <rect x={M.l} y={M.t} width={W - M.l - M.r} height={H - M.t - M.b} className="spectrum__frame" />
        {band && <polygon points={band} className="spectrum__band" />}
        {segments.map((d, k) => (
          <path key={k} d={d} className="spectrum__line" />
        ))}
        {ticks(x0, x1).map((t) => (
          <g key={`x${t}`}>
            <line x1={sx(t)} x2={sx(t)} y1={H - M.b} y2={H - M.b + 4} className="spectrum__tick" />
            <text x={sx(t)} y={H - M.b + 16} textAnchor="middle" className="spectrum__label">
              {formatNumber(t)}
            </text>
          </g>
        ))}
        {ticks(y0, y1).map((t) => (
          <g key={`y${t}`}>
            <line x1={M.l - 4} x2={M.l} y1={sy(t)} y2={sy(t)} className="spectrum__tick" />
            <text x={M.l - 6} y={sy(t) + 4} textAnchor="end" className="spectrum__label">
              {formatNumber(t, 3)}
            </text>
          </g>
        ))}
        <text x={(M.l + W - M.r) / 2} y={H - 4} textAnchor="middle" className="spectrum__label">
          Wavelength ({unit})
        </text>
        <text x={12} y={(M.t + H - M.b) / 2} textAnchor="middle" transform={`rotate(-90 12 ${(M.t + H - M.b) / 2})`} className="spectrum__label">
          Flux{spectrum.bunit ? ` (${spectrum.bunit})` : ''}
        </text>
        {showLines &&
          (lineList.data?.lines ?? []).map((ln) => (
            <g key={ln.name} className="spectrum__marker">
              <line x1={sx(ln.observed)} x2={sx(ln.observed)} y1={M.t} y2={H - M.b} />
              <text x={sx(ln.observed) + 2} y={M.t + 10} className="spectrum__label">
                {ln.name}
              </text>
            </g>
          ))}
        {drag && <rect x={Math.min(drag[0], drag[1])} y={M.t} width={Math.abs(drag[1] - drag[0])} height={H - M.t - M.b} className="spectrum__select" />}
        {i !== null && wl[i] !== null && values[i] !== null && (
          <g className="spectrum__hover">
            <line x1={sx(wl[i]!)} x2={sx(wl[i]!)} y1={M.t} y2={H - M.b} />
            <circle cx={sx(wl[i]!)} cy={sy(values[i]!)} r={3} />
          </g>
        )}
      </svg>
      <p className="small mono" aria-live="polite" data-testid="spectrum-readout">
        {i !== null && wl[i] !== null
          ? `λ ${formatNumber(wl[i], 6)} ${unit} · ${formatNumber(values[i])}${error?.[i] != null ? ` ± ${formatNumber(error[i])}` : ''}${spectrum.bunit ? ` ${spectrum.bunit}` : ''}`
          : 'Point at the spectrum to read it; drag across it to zoom.'}
      </p>
    </figure>
  );
}
