import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { getHdus } from '../api/analysis';
import { getRecordSummary } from '../api/viewer';
import { DataTable } from './tables/DataTable';
import { HeaderSearch } from './tables/HeaderSearch';

type TableHdu = { name?: string; shape?: number[] | null; columns?: string[] | null };

/** A catalogue imported as ECSV is not a FITS file: the record describes its one table. */
export const isEcsv = (fileName: string | undefined) => !!fileName && /\.ecsv$/i.test(fileName);

function EcsvSummary({ id, metadata }: { id: string; metadata: unknown }) {
  const table = ((metadata as { hdus?: TableHdu[] } | null)?.hdus ?? [])[0];
  const columns = table?.columns ?? [];
  return (
    <section aria-labelledby="ecsv-title">
      <h2 id="ecsv-title">Catalogue (ECSV)</h2>
      <p>
        {table?.shape?.[0] ?? '?'} rows, {columns.length} columns. Its column units and descriptions are on the record&rsquo;s{' '}
        <Link to={`/records/${id}`}>Headers tab</Link>; download the record to read its rows.
      </p>
      {columns.length > 0 && (
        <ul className="tags" aria-label="Columns">
          {columns.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Every table HDU of a record, one at a time, and a search across all its headers. */
export function TablesPage() {
  const { id = '' } = useParams();
  const record = useQuery({ queryKey: ['viewer', id, 'record'], queryFn: () => getRecordSummary(id), staleTime: 60_000 });
  const ecsv = isEcsv(record.data?.file_name);
  const hdus = useQuery({ queryKey: ['viewer', id, 'hdus'], queryFn: () => getHdus(id), enabled: record.isSuccess && !ecsv });
  const tables = (hdus.data?.hdus ?? []).filter((h) => h.type === 'bintable' || h.type === 'table');
  const [chosen, setChosen] = useState<number | null>(null);
  const hdu = chosen ?? tables[0]?.index ?? null;
  return (
    <div className="page">
      <PageHeader title={record.data?.file_name ?? 'Tables'}>
        <Link className="btn btn--small" to={`/records/${id}`}>
          Record
        </Link>
        {hdus.data && hdus.data.spectra.length > 0 && (
          <Link className="btn btn--small" to={`/spectra/${id}`}>
            Spectrum
          </Link>
        )}
      </PageHeader>
      {record.isError && <ErrorNotice error={record.error} />}
      {ecsv && record.data && <EcsvSummary id={id} metadata={record.data.metadata} />}
      {!ecsv && !record.isError && hdus.isPending && <PageLoading />}
      {hdus.isError && <ErrorNotice error={hdus.error} />}
      {hdus.data && (
        <>
          {tables.length ? (
            <div className="field field--inline">
              <label htmlFor="tbl-hdu">Table</label>
              <select id="tbl-hdu" value={hdu ?? ''} onChange={(e) => setChosen(Number(e.target.value))}>
                {tables.map((h) => (
                  <option key={h.index} value={h.index}>
                    {h.index}: {h.name} ({h.rows} rows, {h.columns} columns)
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <p className="muted">This file has no table HDU.</p>
          )}
          {hdu !== null && <DataTable key={hdu} id={id} hdu={hdu} />}
          <HeaderSearch id={id} />
        </>
      )}
    </div>
  );
}
