/**
 * The access token lives in memory only (never in storage). It is renewed silently through the
 * httpOnly refresh cookie: shortly before it expires, and on demand after a 401. Refreshes are
 * single-flight because the refresh token rotates: two concurrent refreshes would present the same
 * cookie twice, which the server treats as reuse.
 */
import { apiErrorFromResponse } from './errors';

export const REFRESH_URL = '/api/auth/refresh';
/** Renew this many seconds before expiry (or at 80% of a short lifetime). */
const RENEW_MARGIN_S = 60;

type Listener = (token: string | null) => void;

let current: { token: string; expiresAt: number } | null = null;
let inflight: Promise<string | null> | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of listeners) l(current?.token ?? null);
}

function schedule(expiresInS: number): void {
  if (timer) clearTimeout(timer);
  const lead = Math.min(RENEW_MARGIN_S, expiresInS * 0.2);
  const ms = Math.max(1000, (expiresInS - lead) * 1000);
  timer = setTimeout(() => {
    void refreshAccessToken();
  }, ms);
}

export const tokenStore = {
  get(): string | null {
    return current?.token ?? null;
  },
  /** Milliseconds left before the token expires (0 when there is none). */
  remainingMs(now = Date.now()): number {
    return current ? Math.max(0, current.expiresAt - now) : 0;
  },
  set(token: string, expiresInS: number): void {
    current = { token, expiresAt: Date.now() + expiresInS * 1000 };
    schedule(expiresInS);
    notify();
  },
  clear(): void {
    const had = current !== null;
    current = null;
    if (timer) clearTimeout(timer);
    timer = null;
    if (had) notify();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

interface TokenBody {
  access_token: string;
  expires_in: number;
}

/**
 * Exchange the refresh cookie for a new access token. Resolves to the token, or null when there is
 * no session (no cookie: 204) or it is over (401/403); the store is then cleared, which signs the
 * app out.
 */
export function refreshAccessToken(): Promise<string | null> {
  if (inflight) return inflight;
  inflight = (async () => {
    try {
      const res = await fetch(REFRESH_URL, { method: 'POST', credentials: 'same-origin' });
      // 204: no refresh cookie, nobody is signed in here (the usual answer on a first visit).
      if (res.status === 204) {
        tokenStore.clear();
        return null;
      }
      if (!res.ok) {
        if (res.status === 401 || res.status === 403) {
          tokenStore.clear();
          return null;
        }
        throw await apiErrorFromResponse(res);
      }
      const body = (await res.json()) as TokenBody;
      tokenStore.set(body.access_token, body.expires_in);
      return body.access_token;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

/** A token good for at least `minMs` more, refreshing first when needed. */
export async function freshToken(minMs = 15_000): Promise<string | null> {
  if (current && tokenStore.remainingMs() > minMs) return current.token;
  return refreshAccessToken();
}
