import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';

export const MAX_QUERY = 500;

/** The header's search box: a query goes to the results page. */
export function SearchBox() {
  const [params] = useSearchParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const navigate = useNavigate();
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const text = q.trim();
    if (text) void navigate(`/search?q=${encodeURIComponent(text)}`);
  };
  return (
    <form role="search" className="searchbox" onSubmit={submit}>
      <label htmlFor="site-search" className="sr-only">
        Search the library
      </label>
      <input
        id="site-search"
        type="search"
        className="input searchbox__input"
        placeholder="Search by meaning: “MIRI images of Carina”"
        value={q}
        maxLength={MAX_QUERY}
        onChange={(e) => setQ(e.target.value)}
      />
      <button type="submit" className="btn btn--small">
        Search
      </button>
    </form>
  );
}
