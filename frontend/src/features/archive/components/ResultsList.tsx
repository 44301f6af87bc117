import { Fragment } from 'react';
import { formatDate, formatNumber } from '@/lib/format';
import type { Observation } from '../api/mast';
import { Preview } from './Preview';

interface Props {
  items: Observation[];
  selected: Set<string>;
  onToggle: (obsid: string) => void;
  /** The observation whose products are open, if any. */
  productsOf: string | null;
  onProducts: (obs: Observation) => void;
  /** The products panel, rendered right after its card. */
  panel: React.ReactNode;
}

export const productsPanelId = (obsid: string) => `products-${obsid}`;

/** "Exclusive until 2035-01-01": only the programme's team may download its files until then. */
export function ExclusiveBadge({ obs }: { obs: Observation }) {
  if (!obs.exclusive_access) return null;
  const until = obs.release_time ? obs.release_time.slice(0, 10) : null;
  return (
    <span
      className="badge badge--exclusive"
      title={`In exclusive access${until ? ` until ${until}` : ''}: only the programme's team may download its files`}
    >
      Exclusive{until ? ` until ${until}` : ''}
    </span>
  );
}

export function ResultsList({ items, selected, onToggle, productsOf, onProducts, panel }: Props) {
  return (
    <ul className="grid grid--results" aria-label="Observations">
      {items.map((o) => {
        const key = String(o.obsid);
        const open = productsOf === key;
        return (
          <Fragment key={key}>
            <li className={selected.has(key) ? 'card is-selected' : 'card'} data-obs-id={o.obs_id}>
              <Preview url={o.preview_url ?? null} alt={`Preview of ${o.obs_id}`} />
              <div className="card__body">
                <label className="card__select">
                  <input type="checkbox" checked={selected.has(key)} onChange={() => onToggle(key)} />
                  <span className="sr-only">Select {o.obs_id}</span>
                </label>
                <p className="card__title mono">{o.obs_id}</p>
                <ExclusiveBadge obs={o} />
                <p className="card__meta">
                  {o.target ?? '—'} · {o.instrument ?? '—'} · {o.filters?.length ? o.filters.join(', ') : '—'}
                </p>
                <p className="card__meta">
                  Level {o.calib_level ?? '?'} · {o.product_type ?? '—'} · {formatNumber(o.exposure_time, 5)} s
                </p>
                <p className="card__meta">
                  {formatDate(o.start_time)} · program {o.proposal_id ?? '—'}
                  {o.proposal_pi ? ` (${o.proposal_pi})` : ''}
                </p>
                {o.proposal_title && <p className="card__meta muted">{o.proposal_title}</p>}
                <button
                  type="button"
                  className="btn btn--small"
                  aria-label={`Products of ${o.obs_id}`}
                  aria-expanded={open}
                  aria-controls={open ? productsPanelId(key) : undefined}
                  onClick={() => onProducts(o)}
                >
                  Products
                </button>
              </div>
            </li>
            {open && (
              <li className="grid__row" id={productsPanelId(key)}>
                {panel}
              </li>
            )}
          </Fragment>
        );
      })}
    </ul>
  );
}
