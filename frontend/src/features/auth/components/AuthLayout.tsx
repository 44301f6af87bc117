import { useEffect } from 'react';

export function AuthLayout({ title, children }: { title: string; children: React.ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Webbscope`;
  }, [title]);
  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <p className="auth__brand" aria-hidden="true">
          Webbscope
        </p>
        <h1 className="auth__title">{title}</h1>
        {children}
      </div>
    </main>
  );
}
