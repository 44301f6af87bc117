import { Link } from 'react-router';
import { TableScroller } from '@/components/TableScroller';
import { TagList } from '@/components/TagList';
import { formatBytes, formatDate } from '@/lib/format';
import type { RecordOut } from '../api/records';
import { meta } from './meta';

interface Props {
  items: RecordOut[];
  selected: Set<string>;
  onToggle: (id: string) => void;
  onToggleAll: () => void;
}

export function RecordsTable({ items, selected, onToggle, onToggleAll }: Props) {
  const all = items.length > 0 && items.every((r) => selected.has(r.id));
  return (
    <TableScroller label="Records table">
      <table className="table table--records">
        <caption className="sr-only">Records in your library</caption>
        <thead>
          <tr>
            <th scope="col" className="table__check">
              <input type="checkbox" aria-label="Select all on this page" checked={all} onChange={onToggleAll} />
            </th>
            <th scope="col">File</th>
            <th scope="col">Target</th>
            <th scope="col">Instrument</th>
            <th scope="col">Filter</th>
            <th scope="col">Level</th>
            <th scope="col">Observed</th>
            <th scope="col">Size</th>
            <th scope="col">Tags</th>
            <th scope="col">Visibility</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} aria-selected={selected.has(r.id)} className={r.archived ? 'is-archived' : undefined}>
              <td className="table__check">
                <input type="checkbox" aria-label={`Select ${r.file_name}`} checked={selected.has(r.id)} onChange={() => onToggle(r.id)} />
              </td>
              <td className="table__name">
                <Link to={`/records/${r.id}`}>{r.file_name}</Link>
              </td>
              <td className="table__wrap">{meta(r, 'target_name')}</td>
              <td>{meta(r, 'instrument')}</td>
              <td>{meta(r, 'filter')}</td>
              <td>{r.processing_level ?? '—'}</td>
              <td>{formatDate(meta(r, 'exposure_start', ''))}</td>
              <td className="num">{formatBytes(r.size)}</td>
              <td>
                <TagList tags={r.tags} />
              </td>
              <td>{r.archived ? `${r.visibility}, archived` : r.visibility}</td>
              <td>
                <Link className="btn btn--small" to={`/viewer/${r.id}`} aria-label={`View ${r.file_name}`}>
                  View
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroller>
  );
}
