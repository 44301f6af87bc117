import { useState } from 'react';
import type { SearchMode, SearchRequest } from '../api/mast';

const MODES: Array<{ id: SearchMode; label: string }> = [
  { id: 'target', label: 'Target name' },
  { id: 'coordinates', label: 'Coordinates' },
  { id: 'program', label: 'Program' },
  { id: 'observation', label: 'Observation id' },
];

export interface FormState {
  mode: SearchMode;
  target: string;
  ra: string;
  dec: string;
  radius: string;
  proposal_id: string;
  obs_id: string;
  instrument: string;
  filter: string;
  calib_level: string;
  product_type: string;
  date_from: string;
  date_to: string;
}

export const EMPTY_FORM: FormState = {
  mode: 'target',
  target: '',
  ra: '',
  dec: '',
  radius: '0.05',
  proposal_id: '',
  obs_id: '',
  instrument: '',
  filter: '',
  calib_level: '',
  product_type: '',
  date_from: '',
  date_to: '',
};

/** Turn the form into a request, or say what is missing. */
export function buildRequest(f: FormState, page: number, pageSize: number): SearchRequest | string {
  const req: SearchRequest = { mode: f.mode, page, page_size: pageSize };
  if (f.mode === 'target') {
    if (!f.target.trim()) return 'Enter a target name';
    req.target = f.target.trim();
  } else if (f.mode === 'coordinates') {
    const ra = Number(f.ra);
    const dec = Number(f.dec);
    const radius = Number(f.radius || '0.05');
    if (f.ra === '' || !Number.isFinite(ra) || ra < 0 || ra >= 360) return 'RA must be between 0 and 360 degrees';
    if (f.dec === '' || !Number.isFinite(dec) || dec < -90 || dec > 90) return 'Dec must be between −90 and 90 degrees';
    if (!Number.isFinite(radius) || radius <= 0 || radius > 10) return 'Radius must be between 0 and 10 degrees';
    Object.assign(req, { ra, dec, radius });
  } else if (f.mode === 'program') {
    if (!/^\d{1,5}$/.test(f.proposal_id.trim())) return 'A program is a number, e.g. 2731';
    req.proposal_id = f.proposal_id.trim();
  } else {
    if (!f.obs_id.trim()) return 'Enter an observation id';
    req.obs_id = f.obs_id.trim();
  }
  if (f.instrument) req.instrument = f.instrument;
  if (f.filter.trim()) req.filter = f.filter.trim().toUpperCase();
  if (f.calib_level) req.calib_level = Number(f.calib_level);
  if (f.product_type) req.product_type = f.product_type;
  if (f.date_from) req.date_from = f.date_from;
  if (f.date_to) req.date_to = f.date_to;
  return req;
}

export function SearchForm({ onSearch, busy }: { onSearch: (f: FormState) => string | null; busy: boolean }) {
  const [f, setF] = useState<FormState>(EMPTY_FORM);
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof FormState) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setF({ ...f, [k]: e.target.value });
  const input = (k: keyof FormState, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <div className="field">
      <label htmlFor={`mast-${k}`}>{label}</label>
      <input id={`mast-${k}`} value={f[k]} onChange={set(k)} {...props} />
    </div>
  );

  return (
    <form
      className="form form--wide archive-form"
      role="search"
      aria-label="Search the archive"
      onSubmit={(e) => {
        e.preventDefault();
        setError(onSearch(f));
      }}
    >
      <fieldset className="segmented">
        <legend className="sr-only">Search by</legend>
        {MODES.map((m) => (
          <label key={m.id} className={f.mode === m.id ? 'segmented__option is-active' : 'segmented__option'}>
            <input type="radio" name="mast-mode" value={m.id} checked={f.mode === m.id} onChange={() => setF({ ...f, mode: m.id })} />
            {m.label}
          </label>
        ))}
      </fieldset>
      <div className="form__row">
        {f.mode === 'target' && input('target', 'Target', { placeholder: 'NGC 3324, M16, Carina…', autoComplete: 'off' })}
        {f.mode === 'coordinates' && (
          <>
            {input('ra', 'RA (degrees)', { inputMode: 'decimal', placeholder: '159.2' })}
            {input('dec', 'Dec (degrees)', { inputMode: 'decimal', placeholder: '-58.6' })}
            {input('radius', 'Radius (degrees)', { inputMode: 'decimal' })}
          </>
        )}
        {f.mode === 'program' && input('proposal_id', 'Program (proposal id)', { inputMode: 'numeric', placeholder: '2731' })}
        {f.mode === 'observation' && input('obs_id', 'Observation id', { placeholder: 'jw02731-o001_t017_nircam_clear-f200w' })}
      </div>
      <details className="archive-form__more">
        <summary>Filters</summary>
        <div className="form__row">
          <div className="field">
            <label htmlFor="mast-instrument">Instrument</label>
            <select id="mast-instrument" value={f.instrument} onChange={set('instrument')}>
              <option value="">Any</option>
              {['NIRCAM', 'MIRI', 'NIRSPEC', 'NIRISS', 'FGS'].map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          </div>
          {input('filter', 'Filter', { placeholder: 'F200W' })}
          <div className="field">
            <label htmlFor="mast-calib_level">Calibration level</label>
            <select id="mast-calib_level" value={f.calib_level} onChange={set('calib_level')}>
              <option value="">Any</option>
              <option value="1">1</option>
              <option value="2">2</option>
              <option value="3">3</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="mast-product_type">Product type</label>
            <select id="mast-product_type" value={f.product_type} onChange={set('product_type')}>
              <option value="">Any</option>
              <option value="image">Image</option>
              <option value="cube">Cube</option>
              <option value="spectrum">Spectrum</option>
            </select>
          </div>
          {input('date_from', 'Observed from', { type: 'date' })}
          {input('date_to', 'Observed until', { type: 'date' })}
        </div>
      </details>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      <div className="form__actions">
        <button type="submit" className="btn btn--primary" disabled={busy}>
          {busy ? 'Searching…' : 'Search the archive'}
        </button>
      </div>
    </form>
  );
}
