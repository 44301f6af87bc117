import { useState } from 'react';
import { EmptyState, ErrorNotice, NotAvailable } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { ApiError } from '@/lib/api/errors';
import type { Observation, SearchRequest } from '../api/mast';
import { useArchiveSearch, useImport } from '../hooks/useArchive';
import { MastTokenPanel } from './MastTokenPanel';
import { ProductsPanel } from './ProductsPanel';
import { ResultsList } from './ResultsList';
import { buildRequest, SearchForm } from './SearchForm';

const PAGE_SIZE = 24;

export function ArchivePage() {
  const [req, setReq] = useState<SearchRequest | null>(null);
  const search = useArchiveSearch(req);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [productsOf, setProductsOf] = useState<Observation | null>(null);
  const imp = useImport();
  const missing = search.error instanceof ApiError && search.error.isMissingEndpoint;

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <div className="page page--archive">
      <PageHeader title="Archive" />
      <SearchForm
        busy={search.isFetching}
        onSearch={(f) => {
          const r = buildRequest(f, 1, PAGE_SIZE);
          if (typeof r === 'string') return r;
          setSelected(new Set());
          setProductsOf(null);
          setReq(r);
          return null;
        }}
      />
      {missing && <NotAvailable what="Archive search" />}
      {search.isError && !missing && <ErrorNotice error={search.error} onRetry={() => void search.refetch()} />}
      {search.isFetching && !search.data && <Spinner label="Searching the archive" />}
      {search.data && (
        <section aria-label="Search results" aria-busy={search.isFetching}>
          <div className="results-bar">
            <p aria-live="polite">
              {search.data.total} observation{search.data.total === 1 ? '' : 's'}
            </p>
            <button
              type="button"
              className="btn btn--primary"
              disabled={selected.size === 0 || imp.isPending}
              onClick={() => imp.mutate({ obsids: [...selected] }, { onSuccess: () => setSelected(new Set()) })}
            >
              Import {selected.size || ''} selected observation{selected.size === 1 ? '' : 's'}
            </button>
          </div>
          {search.data.items.length === 0 ? (
            <EmptyState title="No observations match" />
          ) : (
            <ResultsList
              items={search.data.items}
              selected={selected}
              onToggle={toggle}
              productsOf={productsOf ? String(productsOf.obsid) : null}
              onProducts={(o) => setProductsOf((cur) => (cur && cur.obsid === o.obsid ? null : o))}
              panel={productsOf && <ProductsPanel key={String(productsOf.obsid)} obs={productsOf} onClose={() => setProductsOf(null)} />}
            />
          )}
          <Pagination
            offset={(search.data.page - 1) * search.data.page_size}
            limit={search.data.page_size}
            total={search.data.total}
            onChange={(offset) => {
              if (!req) return;
              setProductsOf(null);
              setReq({ ...req, page: Math.floor(offset / (req.page_size ?? PAGE_SIZE)) + 1 });
            }}
            label="Result pages"
          />
        </section>
      )}
      <MastTokenPanel />
    </div>
  );
}
