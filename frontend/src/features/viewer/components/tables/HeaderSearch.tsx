import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { searchHeaders } from '../../api/analysis';

/** Finds header cards across every HDU (keyword, value or comment). */
export function HeaderSearch({ id }: { id: string }) {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 300);
    return () => clearTimeout(t);
  }, [q]);
  const found = useQuery({ queryKey: ['viewer', id, 'header-search', query], queryFn: () => searchHeaders(id, query), enabled: query.length > 0 });
  return (
    <section aria-label="Header search">
      <div className="field field--inline">
        <label htmlFor="hs-q">Search every header</label>
        <input id="hs-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="FILTER, MJy, …" />
      </div>
      {found.isError && <ErrorNotice error={found.error} />}
      {found.data && (
        <div className="table-wrap">
          <table className="table table--dense mono" aria-label="Matching header cards">
            <thead>
              <tr>
                <th scope="col">HDU</th>
                <th scope="col">Keyword</th>
                <th scope="col">Value</th>
                <th scope="col">Comment</th>
              </tr>
            </thead>
            <tbody>
              {found.data.matches.map((m, i) => (
                <tr key={`${m.hdu}-${m.key}-${i}`}>
                  <td>
                    {m.hdu} {m.name}
                  </td>
                  <th scope="row">{m.key}</th>
                  <td className="break">{String(m.value ?? '')}</td>
                  <td className="muted">{m.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!found.data.matches.length && <p className="muted">No card matches.</p>}
        </div>
      )}
    </section>
  );
}
