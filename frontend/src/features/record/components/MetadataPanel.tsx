import { formatBytes, formatDate, formatNumber } from '@/lib/format';
import type { RecordOut } from '../api/record';

const FIELDS: Array<[string, string]> = [
  ['target_name', 'Target'],
  ['instrument', 'Instrument'],
  ['detector', 'Detector'],
  ['filter', 'Filter'],
  ['pupil', 'Pupil'],
  ['grating', 'Grating'],
  ['exp_type', 'Exposure type'],
  ['program', 'Program'],
  ['observation', 'Observation'],
  ['obs_id', 'Observation id'],
  ['exposure_start', 'Exposure start'],
  ['exposure_time', 'Exposure time (s)'],
  ['center_ra', 'Centre RA (°)'],
  ['center_dec', 'Centre Dec (°)'],
  ['pixel_scale_arcsec', 'Pixel scale (″)'],
  ['shape', 'Shape'],
  ['dtype', 'Data type'],
  ['bunit', 'Unit'],
];

function show(key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (key === 'exposure_start' && typeof v === 'string') return formatDate(v);
  if (typeof v === 'number') return formatNumber(v, 8);
  if (Array.isArray(v)) return v.join(' × ');
  return String(v);
}

export function MetadataPanel({ record }: { record: RecordOut }) {
  const m = record.metadata as Record<string, unknown>;
  const rows: Array<[string, string, string?]> = [
    ['Processing level', record.processing_level ?? '—'],
    ['Product type', record.product_type ?? '—'],
    ...FIELDS.filter(([k]) => m[k] !== undefined).map(([k, label]): [string, string] => [label, show(k, m[k])]),
    ['Size', formatBytes(record.size)],
    ['SHA-256', record.sha256, 'mono break'],
    ['Owner', record.owner_username],
    ['Source', record.source],
    ['Added', formatDate(record.created_at)],
  ];
  return (
    <dl className="meta-list">
      {rows.map(([label, value, cls]) => (
        <div key={label} className="meta-list__row">
          <dt>{label}</dt>
          <dd className={cls}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
