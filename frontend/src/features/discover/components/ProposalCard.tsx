import { formatBytes } from '@/lib/format';
import type { Proposal } from '../api/discover';

function Swatch({ color }: { color: string }) {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" className="swatch">
      <rect width="12" height="12" rx="2" fill={color} />
    </svg>
  );
}

function minutes(s: number): string {
  return s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`;
}

/** One proposed composite: its channels (blue to red), reasons, size and time. */
export function ProposalCard({ proposal, onChoose, busy }: { proposal: Proposal; onChoose: () => void; busy: boolean }) {
  const titleId = `proposal-${proposal.id}`;
  return (
    <li className={`card proposal${proposal.recommended ? ' proposal--recommended' : ''}`} aria-labelledby={titleId}>
      <div className="card__body">
        <h3 id={titleId} className="card__title">
          {proposal.title}
          {proposal.recommended && <span className="badge badge--info"> Recommended</span>}
        </h3>
        <ul className="proposal__channels" aria-label="Channels">
          {proposal.channels.map((c) => (
            <li key={`${c.instrument}-${c.filter}`}>
              <Swatch color={c.color} /> {c.filter} <span className="muted">{c.pivot_um.toFixed(2)} µm {c.width}</span>
            </li>
          ))}
        </ul>
        <ul className="proposal__reasons">
          {proposal.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
        <p className="card__meta">
          {proposal.mosaic ? `mosaic of ${proposal.pointings} pointings · ` : ''}~{formatBytes(proposal.estimate.download_bytes)} to
          download · ~{minutes(proposal.estimate.seconds)} · {(proposal.estimate.output_pixels / 1e6).toFixed(1)} Mpx
        </p>
        <button type="button" className="btn btn--primary" onClick={onChoose} disabled={busy}>
          Make this
        </button>
      </div>
    </li>
  );
}
