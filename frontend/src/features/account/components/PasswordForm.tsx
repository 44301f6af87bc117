import { useId, useState } from 'react';
import { announce } from '@/lib/announce';
import { ApiError, errorMessage } from '@/lib/api/errors';
import { useChangePassword } from '../hooks/useChangePassword';

type Field = 'current' | 'next' | 'confirm';
type Errors = Partial<Record<Field | 'form', string>>;

const LABELS: Record<Field, string> = { current: 'Current password', next: 'New password', confirm: 'Repeat the new password' };

/** Client-side checks; the server applies the whole policy and says why it refuses. */
export function validatePasswordChange(v: Record<Field, string>): Errors {
  const e: Errors = {};
  if (!v.current) e.current = 'Enter your current password';
  if (v.next.length < 12) e.next = 'At least 12 characters';
  if (v.confirm !== v.next) e.confirm = 'The new passwords differ';
  return e;
}

/** Where the API's refusal belongs: a wrong current password, or the policy's reason. */
function errorsFrom(err: unknown): Errors {
  if (err instanceof ApiError && err.code === 'invalid_credentials') return { current: 'The current password is wrong' };
  if (err instanceof ApiError && err.code === 'weak_password') return { next: err.message.replace(/^password rejected: /, 'Refused: ') };
  return { form: errorMessage(err) };
}

export function PasswordForm() {
  const id = useId();
  const change = useChangePassword();
  const [form, setForm] = useState<Record<Field, string>>({ current: '', next: '', confirm: '' });
  const [errors, setErrors] = useState<Errors>({});

  const report = (e: Errors) => {
    setErrors(e);
    const wrong = (['current', 'next', 'confirm'] as Field[]).filter((k) => e[k]);
    if (wrong.length) document.getElementById(`${id}-${wrong[0]}`)?.focus();
    const said = [...wrong.map((k) => `${LABELS[k]}: ${e[k]}.`), e.form ?? ''].join(' ');
    announce(`The password was not changed. ${said}`, 'assertive');
  };

  const onSubmit = (ev: React.FormEvent) => {
    ev.preventDefault();
    if (change.isPending) return;
    const v = validatePasswordChange(form);
    if (Object.keys(v).length) return report(v);
    setErrors({});
    change.mutate(
      { current: form.current, next: form.next },
      {
        onSuccess: () => setForm({ current: '', next: '', confirm: '' }),
        onError: (err) => report(errorsFrom(err)),
      },
    );
  };

  const field = (k: Field, autoComplete: string, hint?: string) => {
    const err = errors[k];
    const describedBy = [err ? `${id}-${k}-err` : '', hint ? `${id}-${k}-hint` : ''].filter(Boolean).join(' ');
    return (
      <div className="field">
        <label htmlFor={`${id}-${k}`}>{LABELS[k]}</label>
        <input
          id={`${id}-${k}`}
          type="password"
          autoComplete={autoComplete}
          value={form[k]}
          onChange={(e) => setForm({ ...form, [k]: e.target.value })}
          aria-invalid={err ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {err && (
          <p id={`${id}-${k}-err`} className="field__error">
            {err}
          </p>
        )}
        {hint && (
          <p id={`${id}-${k}-hint`} className="field__hint">
            {hint}
          </p>
        )}
      </div>
    );
  };

  return (
    <section className="account__section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Change password</h2>
      <form className="form form--narrow" aria-labelledby={`${id}-title`} onSubmit={onSubmit} noValidate>
        {field('current', 'current-password')}
        {field(
          'next',
          'new-password',
          'At least 12 characters and at least 4 different ones; not a common password; not containing your username or the name part of your email address.',
        )}
        {field('confirm', 'new-password')}
        {errors.form && <p className="field__error">{errors.form}</p>}
        <p className="muted">Changing it signs you out everywhere else; this browser stays signed in.</p>
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" aria-disabled={change.isPending || undefined}>
            {change.isPending ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
