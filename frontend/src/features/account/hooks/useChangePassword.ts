import { useMutation } from '@tanstack/react-query';
import { tokenStore } from '@/lib/api/token';
import { toast } from '@/stores/toasts';
import { changePassword } from '../api/account';

export function useChangePassword() {
  return useMutation({
    mutationFn: ({ current, next }: { current: string; next: string }) => changePassword(current, next),
    // The form shows and announces refusals itself (the policy's reason at the field).
    meta: { silent: true },
    onSuccess: (t) => {
      // The old access token stopped working with the change: carry on with the new one.
      tokenStore.set(t.access_token, t.expires_in);
      toast.success('Password changed. Your other sessions have been signed out.');
    },
  });
}
