/** What was not standard in the file's headers and how it was read (shown when there is any). */
export function WarningsNotice({ warnings }: { warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <section className="record__warnings notice notice--info" aria-labelledby="record-warnings">
      <h2 id="record-warnings">Read with {warnings.length === 1 ? 'a warning' : `${warnings.length} warnings`}</h2>
      <p className="muted">Some header cards were not standard; the file was read leniently:</p>
      <ul>
        {warnings.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </section>
  );
}
