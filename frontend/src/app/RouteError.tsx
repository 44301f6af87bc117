import { isRouteErrorResponse, useRouteError } from 'react-router';

export function RouteError() {
  const err = useRouteError();
  const message = isRouteErrorResponse(err) ? `${err.status} ${err.statusText}` : err instanceof Error ? err.message : 'Something went wrong';
  return (
    <main className="page" id="main">
      <h1>Something went wrong</h1>
      <p role="alert">{message}</p>
      <p>
        <a href="/library">Reload the library</a>
      </p>
    </main>
  );
}
