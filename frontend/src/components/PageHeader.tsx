import { useEffect } from 'react';

/** The page's <h1>, and the document title to match (for screen readers and history). */
export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Webbscope`;
  }, [title]);
  return (
    <header className="page-header">
      <h1 className="page-header__title">{title}</h1>
      {children && <div className="page-header__actions">{children}</div>}
    </header>
  );
}
