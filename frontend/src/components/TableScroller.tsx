/**
 * The box a wide or tall table scrolls in. It can take focus (so a keyboard user can scroll it with
 * the arrow keys) and is a named region (so a screen reader says what it is on the way in).
 */
export function TableScroller({ label, tall, children }: { label: string; tall?: boolean; children: React.ReactNode }) {
  return (
    <div className={tall ? 'table-wrap table-wrap--tall' : 'table-wrap'} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
