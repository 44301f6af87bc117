import { useEffect, useMemo, useRef, useState } from 'react';
import { Pagination } from '@/components/Pagination';
import { saveBlob } from '@/lib/download';
import { errorMessage } from '@/lib/api/errors';
import { formatNumber } from '@/lib/format';
import { toast } from '@/stores/toasts';
import { exportCatalogue } from '../../api/analysis';
import type { Catalogue } from '../../api/analysisTypes';

const SHOWN = ['id', 'x', 'y', 'ra', 'dec', 'flux', 'flux_err', 'fwhm', 'ellipticity', 'orientation', 'flags'];
const PAGE = 50;

interface Props {
  id: string;
  cat: Catalogue;
  selected: number | null;
  onSelect: (i: number | null) => void;
  onHover: (i: number | null) => void;
}

/** The sources as a sortable table, linked both ways with the markers on the image. */
export function CatalogueTable({ id, cat, selected, onSelect, onHover }: Props) {
  const cols = SHOWN.filter((c) => c in cat.columns);
  const [sort, setSort] = useState<{ col: string; desc: boolean }>({ col: 'flux', desc: true });
  const [page, setPage] = useState(1);
  const order = useMemo(() => {
    const values = cat.columns[sort.col] ?? [];
    const idx = Array.from({ length: cat.count }, (_, i) => i);
    idx.sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      if (va === null) return 1;
      if (vb === null) return -1;
      return (va < vb ? -1 : va > vb ? 1 : 0) * (sort.desc ? -1 : 1);
    });
    return idx;
  }, [cat, sort]);
  // A source selected on the image brings its page into view.
  const rowRefs = useRef(new Map<number, HTMLTableRowElement>());
  useEffect(() => {
    if (selected === null) return;
    const pos = order.indexOf(selected);
    if (pos >= 0) setPage(Math.floor(pos / PAGE) + 1);
  }, [selected, order]);
  useEffect(() => {
    if (selected !== null) rowRefs.current.get(selected)?.scrollIntoView({ block: 'nearest' });
  }, [selected, page]);

  const download = async (format: 'csv' | 'ecsv' | 'votable' | 'ds9') => {
    try {
      const ext = { csv: 'csv', ecsv: 'ecsv', votable: 'vot', ds9: 'reg' }[format];
      saveBlob(await exportCatalogue(id, format), `catalogue.${ext}`);
    } catch (err) {
      toast.error(errorMessage(err));
    }
  };
  const rows = order.slice((page - 1) * PAGE, page * PAGE);
  const fmt = (c: string, v: number | string | null | undefined) => (typeof v === 'number' ? (c === 'id' || c === 'flags' ? String(v) : formatNumber(v, c === 'ra' || c === 'dec' ? 9 : 4)) : (v ?? '—'));

  return (
    <div className="catalogue">
      <div className="tool-row" role="group" aria-label="Export the catalogue">
        {(['csv', 'ecsv', 'votable', 'ds9'] as const).map((f) => (
          <button key={f} type="button" className="btn btn--small" onClick={() => void download(f)}>
            {f === 'votable' ? 'VOTable' : f.toUpperCase()}
          </button>
        ))}
      </div>
      <div className="table-wrap table-wrap--tall">
        <table className="table table--dense mono" aria-label="Catalogue" data-testid="catalogue-table">
          <thead>
            <tr>
              {cols.map((c) => (
                <th key={c} scope="col" aria-sort={sort.col === c ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" className="linklike" onClick={() => setSort((s) => ({ col: c, desc: s.col === c ? !s.desc : false }))}>
                    {c}
                    {cat.units[c] ? ` (${cat.units[c]})` : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr
                key={i}
                ref={(el) => {
                  if (el) rowRefs.current.set(i, el);
                  else rowRefs.current.delete(i);
                }}
                className={i === selected ? 'is-selected' : undefined}
                aria-selected={i === selected}
                tabIndex={0}
                onClick={() => onSelect(i === selected ? null : i)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(i);
                  }
                }}
                onMouseEnter={() => onHover(i)}
                onMouseLeave={() => onHover(null)}
              >
                {cols.map((c) => (
                  <td key={c}>{fmt(c, cat.columns[c][i])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination offset={(page - 1) * PAGE} limit={PAGE} total={cat.count} onChange={(o) => setPage(Math.floor(o / PAGE) + 1)} label="Catalogue pages" />
    </div>
  );
}
