import { api, unwrap, type Schemas } from '@/lib/api/client';

export type User = Schemas['UserOut'];
export type RegisterBody = Schemas['RegisterRequest'];

export function login(username: string, password: string) {
  return unwrap(api.POST('/api/auth/login', { body: { username, password } }));
}

export function register(body: RegisterBody) {
  return unwrap(api.POST('/api/auth/register', { body }));
}

export async function logout(): Promise<void> {
  await api.POST('/api/auth/logout').catch(() => undefined);
}

export function fetchMe() {
  return unwrap(api.GET('/api/auth/me'));
}
