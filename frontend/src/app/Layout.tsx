import { NavLink, Outlet } from 'react-router';
import { useAuth } from '@/features/auth';
import { JobsButton, JobsPanel } from '@/features/jobs';
import { SearchBox } from '@/features/search/components/SearchBox';

/** The frame of every signed-in page: skip link, navigation, jobs panel, main content. */
export function Layout() {
  const { user, status, signOut } = useAuth();
  const signedIn = status === 'signedIn';
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/library" className="brand" aria-label="Webbscope home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true" className="brand__logo">
            <path d="M16 4l10 6v12l-10 6-10-6V10z" />
            <circle cx="16" cy="16" r="3" />
          </svg>
          <span>Webbscope</span>
        </NavLink>
        {signedIn && (
          <nav className="nav" aria-label="Main">
            <NavLink to="/library">Library</NavLink>
            <NavLink to="/archive">Archive</NavLink>
            <NavLink to="/composites/new">Composites</NavLink>
            <NavLink to="/mosaics/new">Mosaics</NavLink>
            <NavLink to="/discover">Discover</NavLink>
            {user?.role === 'admin' && <NavLink to="/admin">Admin</NavLink>}
          </nav>
        )}
        {signedIn && <SearchBox />}
        {signedIn && (
          <div className="topbar__end">
            <JobsButton />
            <span className="topbar__user" title={user?.email}>
              {user?.display_name || user?.username}
            </span>
            <NavLink to="/account" className="btn btn--ghost">
              Account
            </NavLink>
            <button type="button" className="btn btn--ghost" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <div className="app__body">
        <main id="main" className="app__main" tabIndex={-1}>
          <Outlet />
        </main>
        {signedIn && <JobsPanel enabled={signedIn} />}
      </div>
    </div>
  );
}
