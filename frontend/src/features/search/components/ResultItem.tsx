import { Link } from 'react-router';
import type { SearchHit } from '../api/search';

function describe(hit: SearchHit): string {
  const m = hit.record.metadata as Record<string, unknown>;
  return [m.target_name, m.instrument, m.filter, hit.record.processing_level && `level ${hit.record.processing_level}`]
    .filter(Boolean)
    .join(' · ');
}

/** One result: the record, what it is, its scores and why it matched. */
export function ResultItem({ hit }: { hit: SearchHit }) {
  return (
    <li className="result">
      <div className="result__head">
        <Link to={`/records/${hit.record.id}`} className="result__title">
          {hit.record.file_name}
        </Link>
        <span className="result__scores">
          {hit.semantic_score != null && (
            <span className="badge" title="cosine similarity to the query">
              meaning {hit.semantic_score.toFixed(2)}
            </span>
          )}
          {hit.keyword_score != null && (
            <span className="badge" title="BM25 score of the matched words">
              words {hit.keyword_score.toFixed(1)}
            </span>
          )}
        </span>
      </div>
      <p className="result__meta">{describe(hit)}</p>
      <ul className="result__why" aria-label="Why it matched">
        {hit.why.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </li>
  );
}
