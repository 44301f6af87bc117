import { Link } from 'react-router';
import type { RecordOut } from '../api/records';
import { meta } from './meta';
import { Thumbnail } from './Thumbnail';

interface Props {
  items: RecordOut[];
  selected: Set<string>;
  onToggle: (id: string) => void;
}

export function ThumbnailGrid({ items, selected, onToggle }: Props) {
  return (
    <ul className="grid" aria-label="Records">
      {items.map((r) => (
        <li key={r.id} className={selected.has(r.id) ? 'card is-selected' : 'card'}>
          <Link to={`/viewer/${r.id}`} className="card__image" aria-label={`View ${r.file_name}`}>
            <Thumbnail id={r.id} alt="" version={r.thumbnail_url} />
          </Link>
          <div className="card__body">
            <label className="card__select">
              <input type="checkbox" checked={selected.has(r.id)} onChange={() => onToggle(r.id)} />
              <span className="sr-only">Select {r.file_name}</span>
            </label>
            <Link to={`/records/${r.id}`} className="card__title">
              {meta(r, 'target_name', r.file_name)}
            </Link>
            <p className="card__meta">
              {meta(r, 'instrument')} · {meta(r, 'filter')} · L{r.processing_level ?? '?'}
            </p>
          </div>
        </li>
      ))}
    </ul>
  );
}
