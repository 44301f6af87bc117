import { dismiss, toastStore } from '@/stores/toasts';

/** Toasts, for the eye: what they say is spoken through the shared announcer (lib/announce). */
export function Toaster() {
  const toasts = toastStore.useStore((s) => s);
  return (
    <div className="toaster">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast--${t.kind}`}>
          <span className="toast__message">{t.message}</span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => dismiss(t.id)} aria-label="Dismiss notification">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
