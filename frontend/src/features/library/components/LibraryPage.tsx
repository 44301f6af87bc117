import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { EmptyState, ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { useLibraryParams } from '../hooks/useLibraryParams';
import { useBulkAction, useRecords } from '../hooks/useRecords';
import { useUploads } from '../hooks/useUploads';
import { BulkBar } from './BulkBar';
import { FiltersBar } from './FiltersBar';
import { RecordsTable } from './RecordsTable';
import { ThumbnailGrid } from './ThumbnailGrid';
import { UploadPanel } from './UploadPanel';

/** Marks the moment the library is first usable (measured by the end-to-end run). */
function useUsableMark(ready: boolean) {
  const marked = useRef(false);
  useEffect(() => {
    if (ready && !marked.current && typeof performance !== 'undefined' && performance.mark) {
      marked.current = true;
      performance.mark('library-usable');
    }
  }, [ready]);
}

export function LibraryPage() {
  const { filters, view, update } = useLibraryParams();
  const records = useRecords(filters);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const bulk = useBulkAction(() => setSelected(new Set()));
  const uploads = useUploads();
  useUsableMark(records.isSuccess);

  const items = records.data?.items ?? [];
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const toggleAll = () => setSelected((s) => (items.every((r) => s.has(r.id)) ? new Set() : new Set(items.map((r) => r.id))));

  return (
    <div className="page page--library">
      <PageHeader title="Library">
        <div className="segmented" role="group" aria-label="Layout">
          <button type="button" className="btn btn--small" aria-pressed={view === 'table'} onClick={() => update({ view: undefined, offset: filters.offset })}>
            Table
          </button>
          <button type="button" className="btn btn--small" aria-pressed={view === 'grid'} onClick={() => update({ view: 'grid', offset: filters.offset })}>
            Thumbnails
          </button>
        </div>
      </PageHeader>
      <UploadPanel items={uploads.items} onFiles={uploads.add} onCancel={uploads.cancel} onClear={uploads.clearFinished} />
      <FiltersBar filters={filters} onChange={update} />
      {selected.size > 0 && (
        <p className="library-compose">
          <Link className="btn btn--small btn--primary" to={`/composites/new?records=${[...selected].join(',')}`}>
            Make a composite of {selected.size} selected
          </Link>
        </p>
      )}
      <BulkBar
        count={selected.size}
        busy={bulk.isPending}
        onAction={(req) => bulk.mutate({ ...req, ids: [...selected] })}
        onClear={() => setSelected(new Set())}
      />
      <div className="library-results" aria-busy={records.isFetching}>
        {records.isPending && <Spinner label="Loading the library" />}
        {records.isError && <ErrorNotice error={records.error} onRetry={() => void records.refetch()} />}
        {records.isSuccess && items.length === 0 && (
          <EmptyState title="Nothing here yet">
            <p>Upload FITS files above, or import observations from the archive.</p>
          </EmptyState>
        )}
        {items.length > 0 &&
          (view === 'grid' ? (
            <ThumbnailGrid items={items} selected={selected} onToggle={toggle} />
          ) : (
            <RecordsTable items={items} selected={selected} onToggle={toggle} onToggleAll={toggleAll} />
          ))}
        {records.data && records.data.total > 0 && (
          <Pagination
            offset={records.data.offset}
            limit={records.data.limit}
            total={records.data.total}
            onChange={(offset) => {
              setSelected(new Set());
              update({ offset });
            }}
            label="Library pages"
          />
        )}
      </div>
    </div>
  );
}
