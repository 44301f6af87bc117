import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Announcer } from '@/components/Announcer';
import { AuthContext, type AuthContextValue } from '@/features/auth/hooks/authContext';

export function fakeAuth(over: Partial<AuthContextValue> = {}): AuthContextValue {
  return {
    status: 'signedOut',
    user: null,
    signIn: vi.fn(),
    register: vi.fn(),
    signOut: vi.fn(),
    ...over,
  };
}

/** Render inside a query client, a router at `path`, and a given auth state; `announcer` adds the
 *  app's live regions (to check what is said). */
export function renderWith(
  ui: React.ReactNode,
  opts: { path?: string; auth?: AuthContextValue; routes?: Record<string, React.ReactNode>; announcer?: boolean } = {},
) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <AuthContext.Provider value={opts.auth ?? fakeAuth()}>
        <MemoryRouter initialEntries={[opts.path ?? '/']}>
          <Routes>
            <Route path="*" element={ui} />
            {Object.entries(opts.routes ?? {}).map(([p, el]) => (
              <Route key={p} path={p} element={el} />
            ))}
          </Routes>
        </MemoryRouter>
        {opts.announcer && <Announcer />}
      </AuthContext.Provider>
    </QueryClientProvider>,
  );
}
