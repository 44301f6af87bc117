import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import { useTargets } from '../hooks/useDiscover';

/** Featured JWST targets as cards; each opens what the archive holds and what to make. */
export function DiscoverPage() {
  const targets = useTargets();
  if (targets.isPending) return <PageLoading />;
  if (targets.isError) return <ErrorNotice error={targets.error} onRetry={() => void targets.refetch()} />;
  return (
    <div className="page page--discover">
      <PageHeader title="Discover" />
      <p className="muted">Well-known targets Webb has observed. Open one to see what the archive holds and the composites it could make.</p>
      <ul className="grid grid--targets" aria-label="Featured targets">
        {targets.data.map((t) => (
          <li key={t.key} className="card target-card">
            <div className="card__body">
              <h2 className="card__title">
                <Link to={`/discover/${t.key}`}>{t.name}</Link>
              </h2>
              <p className="card__meta">{t.category}</p>
              <p className="target-card__text">{t.description}</p>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
