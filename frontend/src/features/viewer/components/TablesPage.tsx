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

/** Every table HDU of a record, one at a time, and a search across all its headers. */
export function TablesPage() {
  const { id = '' } = useParams();
  const record = useQuery({ queryKey: ['viewer', id, 'record'], queryFn: () => getRecordSummary(id), staleTime: 60_000 });
  const hdus = useQuery({ queryKey: ['viewer', id, 'hdus'], queryFn: () => getHdus(id) });
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
      {hdus.isPending && <PageLoading />}
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
