import { useState } from 'react';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { ErrorNotice } from '@/components/ErrorNotice';
import { PageHeader } from '@/components/PageHeader';
import { Pagination } from '@/components/Pagination';
import { Spinner } from '@/components/Spinner';
import { TableScroller } from '@/components/TableScroller';
import { useCurrentUser } from '@/hooks/useCurrentUser';
import { formatDate } from '@/lib/format';
import type { User } from '../api/users';
import { useChangeUser, useUsers } from '../hooks/useUsers';

const LIMIT = 50;

/** A change waiting for the administrator's confirmation. */
type Pending = { kind: 'role'; user: User } | { kind: 'disabled'; user: User };

function confirmText(p: Pending) {
  const u = p.user.username;
  if (p.kind === 'role') {
    return p.user.role === 'admin'
      ? { title: `Make ${u} a user?`, label: 'Make user', body: `${u} will no longer manage accounts or see other people's private records.` }
      : { title: `Make ${u} an administrator?`, label: 'Make administrator', body: `${u} will manage accounts and see and change every record and job.` };
  }
  return p.user.disabled
    ? { title: `Enable ${u}?`, label: 'Enable', body: `${u} will be able to sign in again.` }
    : { title: `Disable ${u}?`, label: 'Disable', body: `${u} is signed out everywhere and cannot sign in until enabled again.` };
}

/**
 * Accounts. A role or status change is explicit: its button opens a confirmation, and focus comes
 * back to the button afterwards (buttons are never disabled under the focus while a change runs).
 */
export function AdminPage() {
  const [offset, setOffset] = useState(0);
  const users = useUsers(offset, LIMIT);
  const { role, disabled } = useChangeUser();
  const me = useCurrentUser();
  const [pending, setPending] = useState<Pending | null>(null);
  const busy = role.isPending || disabled.isPending;
  const ask = (p: Pending) => {
    if (!busy) setPending(p);
  };
  const confirm = () => {
    if (!pending) return;
    const { kind, user } = pending;
    setPending(null);
    if (kind === 'role') role.mutate({ id: user.id, role: user.role === 'admin' ? 'user' : 'admin' });
    else disabled.mutate({ id: user.id, disabled: !user.disabled });
  };
  const text = pending ? confirmText(pending) : null;

  return (
    <div className="page page--admin">
      <PageHeader title="Users" />
      {users.isPending && <Spinner label="Loading users" />}
      {users.isError && <ErrorNotice error={users.error} onRetry={() => void users.refetch()} />}
      {users.data && (
        <>
          <TableScroller label="Accounts">
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
                  const isAdmin = u.role === 'admin';
                  return (
                    <tr key={u.id} className={u.disabled ? 'is-archived' : undefined}>
                      <th scope="row">{u.username}</th>
                      <td>{u.email}</td>
                      <td>{u.display_name ?? '—'}</td>
                      <td>{formatDate(u.created_at)}</td>
                      <td>
                        <div className="cell-action">
                          <span>{isAdmin ? 'Administrator' : 'User'}</span>
                          {!self && (
                            <button
                              type="button"
                              className="btn btn--small"
                              aria-disabled={busy || undefined}
                              onClick={() => ask({ kind: 'role', user: u })}
                              aria-label={isAdmin ? `Make ${u.username} a user` : `Make ${u.username} an administrator`}
                            >
                              {isAdmin ? 'Make user' : 'Make administrator'}
                            </button>
                          )}
                        </div>
                      </td>
                      <td>
                        <div className="cell-action">
                          <span>{u.disabled ? 'Disabled' : 'Active'}</span>
                          {!self && (
                            <button
                              type="button"
                              className={u.disabled ? 'btn btn--small' : 'btn btn--small btn--danger'}
                              aria-disabled={busy || undefined}
                              onClick={() => ask({ kind: 'disabled', user: u })}
                              aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
                            >
                              {u.disabled ? 'Enable' : 'Disable'}
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroller>
          <Pagination offset={offset} limit={LIMIT} total={users.data.total} onChange={setOffset} label="User pages" />
        </>
      )}
      <ConfirmDialog
        open={pending !== null}
        title={text?.title ?? ''}
        confirmLabel={text?.label ?? ''}
        danger={pending?.kind === 'disabled' && !pending.user.disabled}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {text?.body}
      </ConfirmDialog>
    </div>
  );
}
