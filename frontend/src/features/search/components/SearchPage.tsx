import { Link, useSearchParams } from 'react-router';
import { EmptyState, ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { useCurrentUser } from '@/hooks/useCurrentUser';
import { useSearch } from '../hooks/useSearch';
import { ResultItem } from './ResultItem';

const LIMIT = 20;

/** Results of a search: the understood filters as removable chips, then ranked records. */
export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const me = useCurrentUser();
  const q = params.get('q') ?? '';
  const drop = params.getAll('drop');
  const offset = Number(params.get('offset') ?? 0) || 0;
  const result = useSearch({ q, drop, offset, limit: LIMIT });

  const update = (change: (p: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    change(next);
    setParams(next);
  };
  const removeChip = (key: string) =>
    update((p) => {
      p.append('drop', key);
      p.delete('offset');
    });
  const restoreChips = () =>
    update((p) => {
      p.delete('drop');
      p.delete('offset');
    });

  return (
    <div className="page page--search">
      <PageHeader title={q ? `Search: ${q}` : 'Search'}>
        {me?.role === 'admin' && (
          <Link className="btn btn--ghost" to="/admin/search">
            Index status
          </Link>
        )}
      </PageHeader>
      {!q && <EmptyState title="Type what you are looking for in the search box above." />}
      {q.length > 500 && <ErrorNotice error={new Error('The query is over 500 characters.')} />}
      {result.isError && <ErrorNotice error={result.error} onRetry={() => void result.refetch()} />}
      {result.isPending && q && <Spinner label="Searching" />}
      {result.data && (
        <>
          {(result.data.chips.length > 0 || drop.length > 0) && (
            <div className="chips" role="group" aria-label="Filters understood from the query">
              {result.data.chips.map((chip) => (
                <span className="chip" key={chip.key}>
                  {chip.label}
                  <button
                    type="button"
                    className="chip__remove"
                    aria-label={`Remove filter ${chip.label}`}
                    onClick={() => removeChip(chip.key)}
                  >
                    ×
                  </button>
                </span>
              ))}
              {drop.length > 0 && (
                <button type="button" className="btn btn--small btn--ghost" onClick={restoreChips}>
                  Restore removed filters
                </button>
              )}
            </div>
          )}
          {result.data.degraded && (
            <p className="notice notice--info" role="status">
              Keyword search only: {result.data.degraded}
            </p>
          )}
          <p className="muted" aria-live="polite">
            {result.data.total} result{result.data.total === 1 ? '' : 's'} ({result.data.mode})
          </p>
          {result.data.items.length === 0 ? (
            <EmptyState title="Nothing found">
              <p>Remove a filter or try other words.</p>
            </EmptyState>
          ) : (
            <ol className="results" aria-label="Search results">
              {result.data.items.map((hit) => (
                <ResultItem key={hit.record.id} hit={hit} />
              ))}
            </ol>
          )}
          {result.data.total > LIMIT && (
            <Pagination
              offset={offset}
              limit={LIMIT}
              total={result.data.total}
              label="Result pages"
              onChange={(o) => update((p) => p.set('offset', String(o)))}
            />
          )}
        </>
      )}
    </div>
  );
}
