import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { EmptyState, ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { PageLoading } from '@/components/Spinner';
import type { Proposal } from '../api/discover';
import { useTarget } from '../hooks/useDiscover';
import { GuidedFlow } from './GuidedFlow';
import { ProposalCard } from './ProposalCard';
import { TargetPreview } from './TargetPreview';

function Counts({ label, counts }: { label: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <dt>{label}</dt>
      <dd>{entries.length ? entries.map(([k, v]) => `${k} (${v})`).join(', ') : '—'}</dd>
    </>
  );
}

/** One featured target: the archive's holdings, proposed composites and the guided create. */
export function TargetPage() {
  const { key = '' } = useParams();
  const detail = useTarget(key);
  const [chosen, setChosen] = useState<Proposal | null>(null);
  if (detail.isPending) return <PageLoading />;
  if (detail.isError) return <ErrorNotice error={detail.error} onRetry={() => void detail.refetch()} />;
  const { target, holdings, proposals, preview_url } = detail.data;
  return (
    <div className="page page--target">
      <PageHeader title={target.name}>
        <Link className="btn btn--ghost" to="/discover">
          All targets
        </Link>
      </PageHeader>
      <div className="target">
        <TargetPreview url={preview_url} alt={`Archive preview of ${target.name}`} />
        <div>
          <p>
            <strong>{target.category}</strong> — {target.description}
          </p>
          <p className="muted">
            RA {target.ra.toFixed(3)}°, Dec {target.dec.toFixed(3)}° {target.aliases.length ? `· also ${target.aliases.join(', ')}` : ''}
          </p>
          <dl className="meta-list" aria-label="Archive holdings">
            <dt>Observations</dt>
            <dd>
              {holdings.total} ({holdings.usable} usable for composites{holdings.truncated ? '; more exist' : ''})
            </dd>
            <Counts label="Instruments" counts={holdings.instruments} />
            <Counts label="Levels" counts={holdings.levels} />
            <Counts label="Filters" counts={holdings.filters} />
            <Counts label="Not usable" counts={holdings.skipped} />
          </dl>
        </div>
      </div>
      <h2>Proposed composites</h2>
      {proposals.length === 0 ? (
        <EmptyState title="No composite can be proposed from the archive's public imaging here." />
      ) : (
        <ul className="grid grid--proposals" aria-label="Proposed composites">
          {proposals.map((p) => (
            <ProposalCard key={p.id} proposal={p} onChoose={() => setChosen(p)} busy={chosen?.id === p.id} />
          ))}
        </ul>
      )}
      {chosen && <GuidedFlow targetKey={target.key} targetName={target.name} proposal={chosen} />}
    </div>
  );
}
