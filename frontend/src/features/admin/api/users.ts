import { api, unwrap, type Schemas } from '@/lib/api/client';

export type User = Schemas['UserOut'];
export type Role = Schemas['Role'];

export const listUsers = (offset: number, limit: number) =>
  unwrap(api.GET('/api/users', { params: { query: { offset, limit } } }));

export const setRole = (id: string, role: Role) =>
  unwrap(api.PATCH('/api/users/{user_id}/role', { params: { path: { user_id: id } }, body: { role } }));

export const setDisabled = (id: string, disabled: boolean) =>
  unwrap(api.PATCH('/api/users/{user_id}/disabled', { params: { path: { user_id: id } }, body: { disabled } }));
