import { usePageHeading } from '@/hooks/usePageHeading';

export function AuthLayout({ title, children }: { title: string; children: React.ReactNode }) {
  const heading = usePageHeading(title);
  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <p className="auth__brand" aria-hidden="true">
          Webbscope
        </p>
        <h1 className="auth__title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </div>
    </main>
  );
}
