import { Navigate, Outlet, useLocation } from 'react-router';
import { PageLoading } from '@/components/Spinner';
import { useAuth } from '../hooks/authContext';

/** Protected routes: signed-out visitors go to the sign-in page and come back afterwards. */
export function RequireAuth({ admin = false }: { admin?: boolean }) {
  const { status, user } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <PageLoading />;
  if (status === 'signedOut') {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (admin && user?.role !== 'admin') {
    return (
      <div className="notice notice--error" role="alert">
        This page is for administrators.
      </div>
    );
  }
  return <Outlet />;
}
