import { usePageHeading } from '@/hooks/usePageHeading';

/** The page's <h1>, and the document title to match; a page change brings focus here. */
export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  const heading = usePageHeading(title);
  return (
    <header className="page-header">
      <h1 className="page-header__title" ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children && <div className="page-header__actions">{children}</div>}
    </header>
  );
}
