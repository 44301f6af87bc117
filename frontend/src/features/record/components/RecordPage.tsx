import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { Tabs } from '@/components/Tabs';
import { TagList } from '@/components/TagList';
import { useCurrentUser } from '@/hooks/useCurrentUser';
import { errorMessage } from '@/lib/api/errors';
import { toast } from '@/stores/toasts';
import { downloadRecord } from '../api/record';
import { useRecord } from '../hooks/useRecord';
import { EditPanel } from './EditPanel';
import { HeadersPanel } from './HeadersPanel';
import { LineagePanel } from './LineagePanel';
import { MetadataPanel } from './MetadataPanel';
import { recordKind, recordWarnings } from './recordKind';
import { WarningsNotice } from './WarningsNotice';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'headers', label: 'Headers' },
  { id: 'lineage', label: 'Lineage' },
];

/** `aside` renders below the record's sections (the app adds the similar-records panel). */
export function RecordPage({ aside }: { aside?: (id: string) => React.ReactNode } = {}) {
  const { id = '' } = useParams();
  const record = useRecord(id);
  const me = useCurrentUser();
  const [tab, setTab] = useState('overview');
  const [starting, setStarting] = useState(false);

  if (record.isPending) return <PageLoading />;
  if (record.isError) return <ErrorNotice error={record.error} onRetry={() => void record.refetch()} />;
  const r = record.data;
  const mine = me?.id === r.owner_id;
  const kind = recordKind(r);

  const download = async () => {
    // The browser saves the file itself (its downloads show the progress).
    setStarting(true);
    try {
      await downloadRecord(r);
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div className="page page--record">
      <PageHeader title={r.file_name}>
        {kind === 'image' && (
          <Link className="btn btn--primary" to={`/viewer/${r.id}`}>
            Open in viewer
          </Link>
        )}
        {kind === 'spectrum' && (
          <Link className="btn btn--primary" to={`/spectra/${r.id}`}>
            Open spectrum
          </Link>
        )}
        {kind === 'table' ? (
          <Link className="btn btn--primary" to={`/tables/${r.id}`}>
            Open table
          </Link>
        ) : (
          <Link className="btn" to={`/tables/${r.id}`}>
            Tables and headers
          </Link>
        )}
        <button type="button" className="btn" onClick={download} disabled={starting}>
          Download
        </button>
      </PageHeader>
      <p className="muted">
        {r.visibility}
        {r.archived ? ' · archived' : ''} · owned by {r.owner_username}
      </p>
      <TagList tags={r.tags} />
      {r.description && <p className="record__description">{r.description}</p>}
      <WarningsNotice warnings={recordWarnings(r)} />
      <Tabs tabs={TABS} active={tab} onChange={setTab} label="Record sections">
        {tab === 'overview' && (
          <div className="record__overview">
            <MetadataPanel record={r} />
            {mine && <EditPanel key={r.updated_at} record={r} />}
          </div>
        )}
        {tab === 'headers' && <HeadersPanel id={r.id} />}
        {tab === 'lineage' && <LineagePanel id={r.id} />}
      </Tabs>
      {aside?.(r.id)}
    </div>
  );
}
