import { useEffect, useState } from 'react';
import type { RecordFilters } from '../api/records';

const INSTRUMENTS = ['NIRCAM', 'MIRI', 'NIRSPEC', 'NIRISS', 'FGS'];
const LEVELS = [
  ['1', '1 (uncal)'],
  ['2a', '2a (rate)'],
  ['2b', '2b (cal)'],
  ['3', '3 (combined)'],
];

interface Props {
  filters: RecordFilters;
  onChange: (changes: Record<string, string | undefined>) => void;
}

/** Free text (debounced) and the structured filters; every control is labelled. */
export function FiltersBar({ filters, onChange }: Props) {
  const [q, setQ] = useState(filters.q ?? '');
  useEffect(() => setQ(filters.q ?? ''), [filters.q]);
  useEffect(() => {
    if ((filters.q ?? '') === q) return;
    const t = setTimeout(() => onChange({ q: q || undefined }), 300);
    return () => clearTimeout(t);
  }, [q, filters.q, onChange]);

  const text = (key: 'filter' | 'target' | 'tags', label: string, placeholder: string) => (
    <div className="field field--inline">
      <label htmlFor={`lib-${key}`}>{label}</label>
      <input
        id={`lib-${key}`}
        defaultValue={filters[key] ?? ''}
        key={filters[key] ?? ''}
        placeholder={placeholder}
        onBlur={(e) => e.target.value !== (filters[key] ?? '') && onChange({ [key]: e.target.value.trim() || undefined })}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onChange({ [key]: e.currentTarget.value.trim() || undefined });
        }}
      />
    </div>
  );

  const select = (key: keyof RecordFilters, label: string, options: Array<[string, string]>, emptyLabel = 'Any') => (
    <div className="field field--inline">
      <label htmlFor={`lib-${key}`}>{label}</label>
      <select id={`lib-${key}`} value={String(filters[key] ?? '')} onChange={(e) => onChange({ [key]: e.target.value || undefined })}>
        {emptyLabel && <option value="">{emptyLabel}</option>}
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <search className="filters" aria-label="Filter the library">
      <div className="field field--inline field--grow">
        <label htmlFor="lib-q">Search</label>
        <input id="lib-q" type="search" value={q} placeholder="Target, file, program, description…" onChange={(e) => setQ(e.target.value)} />
      </div>
      {select('instrument', 'Instrument', INSTRUMENTS.map((i) => [i, i]))}
      {text('filter', 'Filter', 'F200W')}
      {text('target', 'Target', 'NGC 3324')}
      {select('processing_level', 'Level', LEVELS as Array<[string, string]>)}
      {text('tags', 'Tags', 'tag, tag')}
      {select('visibility', 'Visibility', [['private', 'Private'], ['shared', 'Shared'], ['public', 'Public']])}
      {select('archived', 'Archived', [['false', 'Hidden'], ['true', 'Only archived'], ['any', 'Shown']], '')}
      {select('owner', 'Owner', [['any', 'Anyone'], ['me', 'Mine'], ['others', 'Others']], '')}
      {select(
        'sort',
        'Sort by',
        [
          ['created_at', 'Added'],
          ['observed_at', 'Observed'],
          ['file_name', 'File name'],
          ['target', 'Target'],
          ['instrument', 'Instrument'],
          ['size', 'Size'],
        ],
        '',
      )}
      {select('order', 'Order', [['desc', 'Descending'], ['asc', 'Ascending']], '')}
    </search>
  );
}
