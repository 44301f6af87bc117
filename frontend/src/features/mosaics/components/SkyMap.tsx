import type { MosaicPlan } from '../api/mosaics';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];

/** A stable colour per filter name (the same filter is the same colour everywhere). */
export function filterColour(filter: string | null | undefined, filters: string[]): string {
  const i = filters.indexOf(filter ?? '');
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
}

/**
 * The inputs' footprints on the sky, north up and east left, in a local projection around the
 * output grid's centre (x = -dRA cos dec, y = dDec), coloured by filter; the output grid's
 * outline dashed. An SVG: no inline styles (the CSP forbids them).
 */
export function SkyMap({ plan }: { plan: MosaicPlan }) {
  const corners = plan.corners.length ? plan.corners : plan.inputs.flatMap((i) => i.footprint);
  const ra0 = corners.reduce((s, c) => s + c[0], 0) / corners.length;
  const dec0 = corners.reduce((s, c) => s + c[1], 0) / corners.length;
  const cos = Math.cos((dec0 * Math.PI) / 180);
  const project = ([ra, dec]: number[]) => {
    let d = ra - ra0;
    if (d > 180) d -= 360;
    if (d < -180) d += 360;
    return [-d * cos, dec - dec0];
  };
  const all = [...corners, ...plan.inputs.flatMap((i) => i.footprint)].map(project);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const size = 320;
  const pad = 12;
  const k = (size - 2 * pad) / span;
  const pt = (c: number[]) => {
    const [x, y] = project(c);
    return `${(pad + (x - x0) * k).toFixed(1)},${(size - pad - (y - y0) * k).toFixed(1)}`;
  };
  const filters = [...new Set(plan.inputs.map((i) => i.filter ?? ''))];
  return (
    <figure className="mosaic-map">
      <svg viewBox={`0 0 ${size} ${size}`} width={size} height={size} role="img" aria-label={`Footprints of ${plan.inputs.length} inputs on the sky`}>
        <rect x={0} y={0} width={size} height={size} fill="#0b1020" />
        {plan.corners.length > 0 && <polygon points={plan.corners.map(pt).join(' ')} fill="none" stroke="#cccccc" strokeDasharray="4 3" strokeWidth={1} />}
        {plan.inputs.map((i) => (
          <polygon key={i.record_id} points={i.footprint.map(pt).join(' ')} fill={filterColour(i.filter, filters)} fillOpacity={0.25} stroke={filterColour(i.filter, filters)} strokeWidth={1.5}>
            <title>{`${i.name} (${i.filter ?? 'no filter'})`}</title>
          </polygon>
        ))}
        <text x={size - pad} y={pad + 8} fill="#cccccc" fontSize={10} textAnchor="end">
          N ↑ E ←
        </text>
      </svg>
      <figcaption>
        {filters.map((f) => (
          <span key={f} className="mosaic-map__key">
            <svg width={10} height={10} aria-hidden="true">
              <rect width={10} height={10} fill={filterColour(f, filters)} />
            </svg>{' '}
            {f || 'no filter'}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
