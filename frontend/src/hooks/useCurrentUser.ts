import { useQuery } from '@tanstack/react-query';
import type { Schemas } from '@/lib/api/client';
import { queryKeys } from '@/lib/queryClient';

export type CurrentUser = Schemas['UserOut'];

/** The signed-in user, as the auth feature put it in the query cache (null when signed out). */
export function useCurrentUser(): CurrentUser | null {
  const { data } = useQuery<CurrentUser | null>({
    queryKey: queryKeys.me,
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
  });
  return data ?? null;
}
