import { announcerStore } from '@/lib/announce';

/**
 * The app's live regions, mounted once (app/App.tsx) so they exist before anything is said into
 * them. Each message is a new node, so assistive technology reads it even when it repeats.
 */
export function Announcer() {
  const { polite, assertive } = announcerStore.useStore((s) => s);
  return (
    <div className="sr-only" data-testid="announcer">
      <div role="status" aria-live="polite" aria-atomic="true">
        {polite && <p key={polite.id}>{polite.text}</p>}
      </div>
      <div role="alert" aria-live="assertive" aria-atomic="true">
        {assertive && <p key={assertive.id}>{assertive.text}</p>}
      </div>
    </div>
  );
}
