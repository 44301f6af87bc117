import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import { useSimilar } from '../hooks/useSearch';

/** "More like this": the records nearest in meaning to one record. */
export function SimilarPanel({ id }: { id: string }) {
  const similar = useSimilar(id);
  return (
    <section className="panel similar" aria-labelledby="similar-title">
      <h2 id="similar-title" className="panel__title">
        Similar records
      </h2>
      {similar.isPending && <Spinner label="Finding similar records" />}
      {similar.isError && <ErrorNotice error={similar.error} />}
      {similar.data?.degraded && <p className="muted">Not available: {similar.data.degraded}</p>}
      {similar.data && !similar.data.degraded && similar.data.items.length === 0 && (
        <p className="muted">Nothing similar yet.</p>
      )}
      {similar.data && similar.data.items.length > 0 && (
        <ol className="similar__list">
          {similar.data.items.map((hit) => (
            <li key={hit.record.id}>
              <Link to={`/records/${hit.record.id}`}>{hit.record.file_name}</Link>{' '}
              <span className="badge">{hit.score.toFixed(2)}</span>
              <span className="muted"> {hit.why.slice(1).join('; ')}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
