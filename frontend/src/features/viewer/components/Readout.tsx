import { useEffect } from 'react';
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

/** Pixel position, value and RA/Dec (the value from the float tile at once; the sky position from the server). */
export function Readout({ label, pos, localValue, data, unit, testId, announceAs }: Props) {
  const fresh = data && pos && data.x === pos[0] && data.y === pos[1] ? data : null;
  const value = localValue ?? fresh?.value ?? null;
  const valueText = value === null ? '…' : `${formatNumber(value, 6)}${unit ? ` ${unit}` : ''}`;
  const ra = fresh?.ra_str ?? (fresh?.ra != null ? raToHms(fresh.ra) : '…');
  const dec = fresh?.dec_str ?? (fresh?.dec != null ? decToDms(fresh.dec) : '…');

  useEffect(() => {
    if (!announceAs || !fresh) return;
    const v = fresh.value === null ? 'no value (outside the image or NaN)' : `value ${formatNumber(fresh.value, 6)}${unit ? ` ${unit}` : ''}`;
    const sky = fresh.ra != null && fresh.dec != null ? `, RA ${ra}, Dec ${dec}` : '';
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
            <dt>RA</dt>
            <dd className="mono" data-field="ra">
              {ra}
            </dd>
          </div>
          <div>
            <dt>Dec</dt>
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
