interface Props {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
  label?: string;
}

export function Pagination({ offset, limit, total, onChange, label = 'Pages' }: Props) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return (
    <nav className="pagination" aria-label={label}>
      <span className="pagination__info">
        {from}–{to} of {total}
      </span>
      <button type="button" className="btn btn--small" disabled={page <= 1} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      <button type="button" className="btn btn--small" disabled={page >= pages} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}
