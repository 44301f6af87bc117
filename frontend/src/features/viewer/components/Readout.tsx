import { useEffect, useRef } from 'react';
import { announce } from '@/lib/announce';
import { decToDms, formatNumber, raToHms } from '@/lib/format';
import type { PixelValue } from '../api/types';

interface Props {
  label: string;
  pos: [number, number] | null;
  localValue: number | null;
  data: (PixelValue & { x: number; y: number }) | null;
  unit?: string | null;
  testId: string;
  /** Say each new reading (the pinned pixel), starting with these words. */
  announceAs?: string;
}

/** Native (non-equatorial) frames' coordinate names; anything else not equatorial is Lon/Lat. */
const NATIVE: Record<string, [string, string]> = { galactic: ['l', 'b'], ecliptic: ['λ', 'β'], supergalactic: ['SGL', 'SGB'] };

/** The readout's names for the two sky coordinates in the image's own frame (as the engine
 * names it): RA and Dec for ICRS; the frame added for other equatorial frames (FK5, FK4, ...)
 * and for galactic, ecliptic and supergalactic longitude and latitude. */
export function skyLabels(frame: string | null | undefined): [string, string] {
  if (!frame || frame.toUpperCase() === 'ICRS') return ['RA', 'Dec'];
  const equatorial = frame === frame.toUpperCase();
  const [lon, lat] = equatorial ? ['RA', 'Dec'] : (NATIVE[frame] ?? ['Lon', 'Lat']);
  return [`${lon} (${frame})`, `${lat} (${frame})`];
}

/** Pixel position, value and sky position in the image's frame (the value from the float tile at once; the sky position from the server). */
export function Readout({ label, pos, localValue, data, unit, testId, announceAs }: Props) {
  const fresh = data && pos && data.x === pos[0] && data.y === pos[1] ? data : null;
  // The frame of the last answer labels the rows while the next one is on its way.
  const frame = useRef<string | null>(null);
  if (fresh?.frame) frame.current = fresh.frame;
  const [lonLabel, latLabel] = skyLabels(fresh?.frame ?? frame.current);
  const value = localValue ?? fresh?.value ?? null;
  const valueText = value === null ? '…' : `${formatNumber(value, 6)}${unit ? ` ${unit}` : ''}`;
  const ra = fresh?.ra_str ?? (fresh?.ra != null ? raToHms(fresh.ra) : '…');
  const dec = fresh?.dec_str ?? (fresh?.dec != null ? decToDms(fresh.dec) : '…');

  useEffect(() => {
    if (!announceAs || !fresh) return;
    const v = fresh.value === null ? 'no value (outside the image or NaN)' : `value ${formatNumber(fresh.value, 6)}${unit ? ` ${unit}` : ''}`;
    const sky = fresh.ra != null && fresh.dec != null ? `, ${lonLabel} ${ra}, ${latLabel} ${dec}` : '';
    announce(`${announceAs} ${fresh.x}, ${fresh.y}: ${v}${sky}`);
  }, [fresh]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <section className="readout" aria-label={label} data-testid={testId}>
      <h3 className="readout__title">{label}</h3>
      {!pos ? (
        <p className="muted">—</p>
      ) : (
        <dl className="readout__list">
          <div>
            <dt>x, y</dt>
            <dd className="mono">
              {pos[0]}, {pos[1]}
            </dd>
          </div>
          <div>
            <dt>Value</dt>
            <dd className="mono" data-field="value">
              {valueText}
            </dd>
          </div>
          <div>
            <dt>{lonLabel}</dt>
            <dd className="mono" data-field="ra">
              {ra}
            </dd>
          </div>
          <div>
            <dt>{latLabel}</dt>
            <dd className="mono" data-field="dec">
              {dec}
            </dd>
          </div>
          {fresh?.ra != null && fresh.dec != null && (
            <div>
              <dt>Degrees</dt>
              <dd className="mono">
                {fresh.ra.toFixed(6)}, {fresh.dec.toFixed(6)}
              </dd>
            </div>
          )}
        </dl>
      )}
    </section>
  );
}
