import { Link } from 'react-router';
import { ErrorNotice } from '@/components/ErrorNotice';
import { Spinner } from '@/components/Spinner';
import type { LineageGraph } from '../api/record';
import { useLineage } from '../hooks/useRecord';

type Node = LineageGraph['record'];

function NodeList({ title, nodes }: { title: string; nodes: Node[] }) {
  return (
    <section className="lineage__group">
      <h3>{title}</h3>
      {nodes.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <ul>
          {nodes.map((n) => (
            <li key={n.id}>
              <Link to={`/records/${n.id}`}>{n.file_name}</Link>{' '}
              <span className="muted">
                {n.source}
                {n.processing_level ? ` · level ${n.processing_level}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function LineagePanel({ id }: { id: string }) {
  const lineage = useLineage(id, true);
  if (lineage.isPending) return <Spinner label="Loading lineage" />;
  if (lineage.isError) return <ErrorNotice error={lineage.error} />;
  const g = lineage.data;
  return (
    <div className="lineage">
      <NodeList title="Made from" nodes={g.derived_from} />
      <p className="lineage__self" aria-label="This record">
        ↓ <strong>{g.record.file_name}</strong> ↓
      </p>
      <NodeList title="Used to make" nodes={g.derivatives} />
      {g.hidden ? <p className="muted">{g.hidden} related records are not visible to you.</p> : null}
    </div>
  );
}
