import { useState } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { useCurrentUser } from '@/hooks/useCurrentUser';
import { formatDate } from '@/lib/format';
import type { Role } from '../api/users';
import { useChangeUser, useUsers } from '../hooks/useUsers';

const LIMIT = 50;

export function AdminPage() {
  const [offset, setOffset] = useState(0);
  const users = useUsers(offset, LIMIT);
  const { role, disabled } = useChangeUser();
  const me = useCurrentUser();

  return (
    <div className="page page--admin">
      <PageHeader title="Users" />
      {users.isPending && <Spinner label="Loading users" />}
      {users.isError && <ErrorNotice error={users.error} onRetry={() => void users.refetch()} />}
      {users.data && (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Email</th>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => {
                  const self = u.id === me?.id;
                  return (
                    <tr key={u.id} className={u.disabled ? 'is-archived' : undefined}>
                      <th scope="row">{u.username}</th>
                      <td>{u.email}</td>
                      <td>{u.display_name ?? '—'}</td>
                      <td>{formatDate(u.created_at)}</td>
                      <td>
                        <label className="sr-only" htmlFor={`role-${u.id}`}>
                          Role of {u.username}
                        </label>
                        <select
                          id={`role-${u.id}`}
                          value={u.role}
                          disabled={self || role.isPending}
                          onChange={(e) => role.mutate({ id: u.id, role: e.target.value as Role })}
                        >
                          <option value="user">User</option>
                          <option value="admin">Administrator</option>
                        </select>
                      </td>
                      <td>
                        <button
                          type="button"
                          className={u.disabled ? 'btn btn--small' : 'btn btn--small btn--danger'}
                          disabled={self || disabled.isPending}
                          onClick={() => disabled.mutate({ id: u.id, disabled: !u.disabled })}
                          aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
                        >
                          {u.disabled ? 'Enable' : 'Disable'}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pagination offset={offset} limit={LIMIT} total={users.data.total} onChange={setOffset} label="User pages" />
        </>
      )}
    </div>
  );
}
