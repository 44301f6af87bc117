import { dismiss, toastStore } from '@/stores/toasts';

/** Toasts: polite for information, assertive for failures. */
export function Toaster() {
  const toasts = toastStore.useStore((s) => s);
  return (
    <div className="toaster" aria-live="polite" aria-relevant="additions">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span className="toast__message">{t.message}</span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => dismiss(t.id)} aria-label="Dismiss notification">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
