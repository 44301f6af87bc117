import { PageHeader } from '@/components/PageHeader';
import { useCurrentUser } from '@/hooks/useCurrentUser';
import { formatDate } from '@/lib/format';
import { PasswordForm } from './PasswordForm';

/** The signed-in user's own account: who they are, and a new password. */
export function AccountPage() {
  const me = useCurrentUser();
  return (
    <div className="page page--account">
      <PageHeader title="Account" />
      {me && (
        <dl className="meta-list account__profile">
          {[
            ['Username', me.username],
            ['Email', me.email],
            ['Display name', me.display_name || '—'],
            ['Role', me.role === 'admin' ? 'Administrator' : 'User'],
            ['Member since', formatDate(me.created_at)],
          ].map(([label, value]) => (
            <div key={label} className="meta-list__row">
              <dt>{label}</dt>
              <dd className="break">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <PasswordForm />
    </div>
  );
}
