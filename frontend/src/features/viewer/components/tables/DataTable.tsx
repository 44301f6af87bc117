import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { getTablePage } from '../../api/analysis';

const PAGE = 50;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return `[${v.map(cell).join(', ')}]`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(8)));
  return String(v);
}

/** One table HDU, paged on the server, sortable by a column, searchable, with units and descriptions. */
export function DataTable({ id, hdu }: { id: string; hdu: number }) {
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<{ col: string; desc: boolean } | null>(null);
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => {
      setQuery(q.trim());
      setPage(1);
    }, 300);
    return () => clearTimeout(t);
  }, [q]);
  const data = useQuery({
    queryKey: ['viewer', id, 'table', hdu, page, sort, query],
    queryFn: () => getTablePage(id, hdu, { page, page_size: PAGE, sort: sort?.col, order: sort?.desc ? 'desc' : 'asc', q: query || undefined }),
    placeholderData: keepPreviousData,
  });
  const t = data.data;
  return (
    <div className="data-table">
      <div className="field field--inline">
        <label htmlFor={`tq-${hdu}`}>Search the rows</label>
        <input id={`tq-${hdu}`} type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        {data.isFetching && <Spinner label="Loading rows" />}
      </div>
      {data.isError && <ErrorNotice error={data.error} />}
      {t && (
        <>
          <p className="muted small">
            {t.matched} of {t.total} rows
          </p>
          <div className="table-wrap table-wrap--tall">
            <table className="table table--dense mono" aria-label={`Table ${t.name || t.hdu}`} data-testid="hdu-table">
              <thead>
                <tr>
                  {t.columns.map((c) => (
                    <th key={c.name} scope="col" title={c.description ?? undefined} aria-sort={sort?.col === c.name ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                      {c.sortable ? (
                        <button
                          type="button"
                          className="linklike"
                          onClick={() => {
                            setSort((s) => ({ col: c.name, desc: s?.col === c.name ? !s.desc : false }));
                            setPage(1);
                          }}
                        >
                          {c.name}
                        </button>
                      ) : (
                        c.name
                      )}
                      {c.unit && <span className="muted"> ({c.unit})</span>}
                      {c.description && <span className="sr-only">: {c.description}</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {t.rows.map((row, i) => (
                  <tr key={i}>
                    {row.map((v, j) => (
                      <td key={j}>{cell(v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination offset={(t.page - 1) * PAGE} limit={PAGE} total={t.matched} onChange={(o) => setPage(Math.floor(o / PAGE) + 1)} label="Table pages" />
        </>
      )}
    </div>
  );
}
