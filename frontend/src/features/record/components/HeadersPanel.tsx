import { useMemo, useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import { TableScroller } from '@/components/TableScroller';
import { useHeaders } from '../hooks/useRecord';

/** Every HDU's header cards, one HDU at a time, with a keyword filter. */
export function HeadersPanel({ id }: { id: string }) {
  const headers = useHeaders(id, true);
  const [hdu, setHdu] = useState(0);
  const [filter, setFilter] = useState('');
  const cards = useMemo(() => {
    const h = headers.data?.[hdu];
    if (!h) return [];
    const f = filter.trim().toUpperCase();
    return f ? h.cards.filter((c) => c.key.includes(f) || String(c.value).toUpperCase().includes(f)) : h.cards;
  }, [headers.data, hdu, filter]);

  if (headers.isPending) return <Spinner label="Loading headers" />;
  if (headers.isError) return <ErrorNotice error={headers.error} />;
  return (
    <div className="headers">
      <div className="headers__controls">
        <div className="field field--inline">
          <label htmlFor="hdr-hdu">HDU</label>
          <select id="hdr-hdu" value={hdu} onChange={(e) => setHdu(Number(e.target.value))}>
            {headers.data.map((h, i) => (
              <option key={h.index} value={i}>
                {h.index}: {h.name}
                {h.type ? ` (${h.type})` : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor="hdr-filter">Find keyword</label>
          <input id="hdr-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
        <span className="muted">{cards.length} cards</span>
      </div>
      <TableScroller label={`Header cards of HDU ${headers.data[hdu]?.index ?? hdu}`} tall>
        <table className="table table--dense mono">
          <caption className="sr-only">Header of HDU {hdu}</caption>
          <thead>
            <tr>
              <th scope="col">Keyword</th>
              <th scope="col">Value</th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {cards.map((c, i) => (
              <tr key={`${c.key}-${i}`}>
                <th scope="row">{c.key}</th>
                <td className="break">{c.value === null ? '' : String(c.value)}</td>
                <td className="muted">{c.comment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroller>
    </div>
  );
}
