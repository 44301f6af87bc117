import { errorMessage } from '@/lib/api/errors';

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="empty">
      <p className="empty__title">{title}</p>
      {children}
    </div>
  );
}

/** Shown where a feature's backend endpoint has not been deployed yet. */
export function NotAvailable({ what }: { what: string }) {
  return (
    <div className="notice notice--info" role="status">
      {what} is not available on this server yet.
    </div>
  );
}
