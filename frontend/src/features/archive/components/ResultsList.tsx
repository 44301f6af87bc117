import { formatDate, formatNumber } from '@/lib/format';
import type { Observation } from '../api/mast';
import { Preview } from './Preview';

interface Props {
  items: Observation[];
  selected: Set<string>;
  onToggle: (obsid: string) => void;
  onProducts: (obs: Observation) => void;
}

export function ResultsList({ items, selected, onToggle, onProducts }: Props) {
  return (
    <ul className="grid grid--results" aria-label="Observations">
      {items.map((o) => {
        const key = String(o.obsid);
        return (
          <li key={key} className={selected.has(key) ? 'card is-selected' : 'card'} data-obs-id={o.obs_id}>
            <Preview url={o.preview_url ?? null} alt={`Preview of ${o.obs_id}`} />
            <div className="card__body">
              <label className="card__select">
                <input type="checkbox" checked={selected.has(key)} onChange={() => onToggle(key)} />
                <span className="sr-only">Select {o.obs_id}</span>
              </label>
              <p className="card__title mono">{o.obs_id}</p>
              <p className="card__meta">
                {o.target ?? '—'} · {o.instrument ?? '—'} · {o.filters?.join(', ') || '—'}
              </p>
              <p className="card__meta">
                Level {o.calib_level ?? '?'} · {o.product_type ?? '—'} · {formatNumber(o.exposure_time, 5)} s
              </p>
              <p className="card__meta">
                {formatDate(o.start_time)} · program {o.proposal_id ?? '—'}
                {o.proposal_pi ? ` (${o.proposal_pi})` : ''}
              </p>
              {o.proposal_title && <p className="card__meta muted">{o.proposal_title}</p>}
              <button type="button" className="btn btn--small" onClick={() => onProducts(o)}>
                Products…
              </button>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
