import { api, unwrap } from '@/lib/api/client';

/** Change the own password. Every other session ends; this one gets a new access token (and,
 *  in the httpOnly cookie, a new refresh token). */
export function changePassword(currentPassword: string, newPassword: string) {
  return unwrap(api.POST('/api/users/me/password', { body: { current_password: currentPassword, new_password: newPassword } }));
}
