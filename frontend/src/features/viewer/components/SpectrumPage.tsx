import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { getSpectrum1d } from '../api/analysis';
import { getRecordSummary } from '../api/viewer';
import { SpectrumPlot } from './spectrum/SpectrumPlot';

/** A 1-D spectrum (x1d product): flux against wavelength with its error band and line markers. */
export function SpectrumPage() {
  const { id = '' } = useParams();
  const record = useQuery({ queryKey: ['viewer', id, 'record'], queryFn: () => getRecordSummary(id), staleTime: 60_000 });
  const spec = useQuery({ queryKey: ['viewer', id, 'spectrum1d'], queryFn: () => getSpectrum1d(id), retry: false });
  const title = record.data?.file_name ?? 'Spectrum';
  return (
    <div className="page">
      <PageHeader title={title}>
        <Link className="btn btn--small" to={`/records/${id}`}>
          Record
        </Link>
        <Link className="btn btn--small" to={`/tables/${id}`}>
          Tables
        </Link>
      </PageHeader>
      {spec.isPending && <PageLoading />}
      {spec.isError && <ErrorNotice error={spec.error} />}
      {spec.data && <SpectrumPlot spectrum={spec.data} title="1-D spectrum" />}
    </div>
  );
}
