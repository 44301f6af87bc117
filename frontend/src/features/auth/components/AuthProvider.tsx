import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { refreshAccessToken, tokenStore } from '@/lib/api/token';
import { queryKeys } from '@/lib/queryClient';
import { toast } from '@/stores/toasts';
import { fetchMe, login, logout, register as registerUser, type RegisterBody, type User } from '../api/auth';
import { AuthContext, type AuthContextValue, type AuthStatus } from '../hooks/authContext';

/**
 * Session state. On start, one silent refresh through the httpOnly cookie restores a session
 * (the access token is never stored); afterwards the token store renews it before it expires.
 */
export function AuthProvider({ children }: { children: React.ReactNode }) {
  const qc = useQueryClient();
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [user, setUser] = useState<User | null>(null);
  const signingOut = useRef(false);

  const adopt = useCallback(
    (u: User | null) => {
      setUser(u);
      qc.setQueryData(queryKeys.me, u);
      setStatus(u ? 'signedIn' : 'signedOut');
    },
    [qc],
  );

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const token = await refreshAccessToken();
        const me = token ? await fetchMe() : null;
        if (live) adopt(me);
      } catch {
        if (live) adopt(null);
      }
    })();
    return () => {
      live = false;
    };
  }, [adopt]);

  // The token store clears itself when a refresh is refused: the session has ended elsewhere.
  useEffect(
    () =>
      tokenStore.subscribe((token) => {
        if (token === null && !signingOut.current) {
          setStatus((s) => {
            if (s === 'signedIn') toast.info('Your session has ended. Please sign in again.');
            return 'signedOut';
          });
          setUser(null);
          qc.setQueryData(queryKeys.me, null);
        }
      }),
    [qc],
  );

  const value = useMemo<AuthContextValue>(
    () => ({
      status,
      user,
      async signIn(username, password) {
        const t = await login(username, password);
        tokenStore.set(t.access_token, t.expires_in);
        const me = await fetchMe();
        adopt(me);
        return me;
      },
      async register(body: RegisterBody) {
        return registerUser(body);
      },
      async signOut() {
        signingOut.current = true;
        try {
          await logout();
        } finally {
          tokenStore.clear();
          qc.clear();
          adopt(null);
          signingOut.current = false;
        }
      },
    }),
    [status, user, adopt, qc],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
