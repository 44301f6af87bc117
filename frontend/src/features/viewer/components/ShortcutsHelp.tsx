import { SHORTCUTS } from './shortcuts';

/** The viewer's keyboard shortcuts (toggled by the Shortcuts button or "?"). */
export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <section className="viewer-shortcuts" aria-label="Keyboard shortcuts" data-testid="viewer-shortcuts">
      <h3>Keyboard shortcuts</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">Does</th>
            <th scope="col">Where</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.what}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' '}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.what}</td>
              <td>{s.scope === 'image' ? 'image focused' : 'anywhere'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="btn btn--small" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
