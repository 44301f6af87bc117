/**
 * fetch with the access token attached, and one silent refresh-and-retry after a 401.
 * Every request to the backend goes through here (the typed client, blobs, uploads' retries).
 */
import { refreshAccessToken, tokenStore } from './token';

const AUTH_PREFIX = '/api/auth/';

function isAuthEndpoint(url: string): boolean {
  try {
    return new URL(url, window.location.origin).pathname.startsWith(AUTH_PREFIX);
  } catch {
    return false;
  }
}

export async function authedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, { credentials: 'same-origin', ...init });
  const retry = request.clone();
  const token = tokenStore.get();
  if (token && !request.headers.has('Authorization')) {
    request.headers.set('Authorization', `Bearer ${token}`);
  }
  const res = await fetch(request);
  if (res.status !== 401 || isAuthEndpoint(request.url)) return res;
  const renewed = await refreshAccessToken().catch(() => null);
  if (!renewed) return res;
  retry.headers.set('Authorization', `Bearer ${renewed}`);
  return fetch(retry);
}
