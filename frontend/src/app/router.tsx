import { createBrowserRouter, Navigate } from 'react-router';
import { PageLoading } from '@/components/Spinner';
import { RequireAuth } from '@/features/auth';
import { LoginPage } from '@/features/auth/components/LoginPage';
import { RegisterPage } from '@/features/auth/components/RegisterPage';
import { LibraryPage } from '@/features/library';
import { Layout } from './Layout';
import { NotFound } from './NotFound';
import { RouteError } from './RouteError';

/** The library is in the first bundle (it is the landing page); the other pages load on demand. */
export function createAppRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
    { path: '/register', element: <RegisterPage />, errorElement: <RouteError /> },
    {
      element: <Layout />,
      errorElement: <RouteError />,
      HydrateFallback: PageLoading,
      children: [
        {
          element: <RequireAuth />,
          children: [
            { index: true, element: <Navigate to="/library" replace /> },
            { path: 'library', element: <LibraryPage /> },
            {
              path: 'records/:id',
              lazy: async () => {
                const [{ RecordPage }, { SimilarPanel }] = await Promise.all([import('@/features/record'), import('@/features/search')]);
                return { Component: () => <RecordPage aside={(id) => <SimilarPanel id={id} />} /> };
              },
            },
            { path: 'search', lazy: async () => ({ Component: (await import('@/features/search')).SearchPage }) },
            { path: 'discover', lazy: async () => ({ Component: (await import('@/features/discover')).DiscoverPage }) },
            { path: 'discover/:key', lazy: async () => ({ Component: (await import('@/features/discover')).TargetPage }) },
            { path: 'viewer/:id', lazy: async () => ({ Component: (await import('@/features/viewer')).ViewerPage }) },
            { path: 'composites/new', lazy: async () => ({ Component: (await import('@/features/composites')).CompositeBuilderPage }) },
            { path: 'composites/:id', lazy: async () => ({ Component: (await import('@/features/composites')).CompositeBuilderPage }) },
            { path: 'mosaics/new', lazy: async () => ({ Component: (await import('@/features/mosaics')).MosaicPage }) },
            { path: 'spectra/:id', lazy: async () => ({ Component: (await import('@/features/viewer')).SpectrumPage }) },
            { path: 'tables/:id', lazy: async () => ({ Component: (await import('@/features/viewer')).TablesPage }) },
            { path: 'compare', lazy: async () => ({ Component: (await import('@/features/viewer')).ComparePage }) },
            { path: 'archive', lazy: async () => ({ Component: (await import('@/features/archive')).ArchivePage }) },
            { path: 'account', lazy: async () => ({ Component: (await import('@/features/account')).AccountPage }) },
          ],
        },
        {
          element: <RequireAuth admin />,
          children: [
            { path: 'admin', lazy: async () => ({ Component: (await import('@/features/admin')).AdminPage }) },
            { path: 'admin/search', lazy: async () => ({ Component: (await import('@/features/search')).IndexStatusPanel }) },
          ],
        },
        { path: '*', element: <NotFound /> },
      ],
    },
  ]);
}
