import { useId } from 'react';
import type { Colormap } from '../api/types';
import { colormapStops } from '../engine/colormaps';

/** The colour map as an SVG gradient (SVG attributes, not inline styles: CSP-safe). */
export function ColormapSwatch({ name, invert }: { name: Colormap; invert: boolean }) {
  const id = useId();
  const stops = colormapStops(name, 9);
  if (invert) stops.reverse();
  return (
    <svg className="swatch" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
      <defs>
        <linearGradient id={`g${id}`}>
          {stops.map((c, i) => (
            <stop key={i} offset={i / (stops.length - 1)} stopColor={c} />
          ))}
        </linearGradient>
      </defs>
      <rect width="100" height="8" fill={`url(#g${id})`} />
    </svg>
  );
}
