import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { announce } from '@/lib/announce';
import { ApiError, errorMessage } from '@/lib/api/errors';
import { useAuth } from '../hooks/authContext';
import { AuthLayout } from './AuthLayout';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;

interface FieldErrors {
  username?: string;
  email?: string;
  password?: string;
  confirm?: string;
}

const FIELD_LABELS: Record<keyof FieldErrors, string> = {
  username: 'Username',
  email: 'Email',
  password: 'Password',
  confirm: 'Repeat the password',
};

export function validateRegistration(v: { username: string; email: string; password: string; confirm: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (!USERNAME.test(v.username)) errors.username = '3–32 letters, digits, dots, dashes or underscores, starting with a letter or digit';
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.email)) errors.email = 'Enter an email address';
  if (v.password.length < 12) errors.password = 'At least 12 characters';
  if (v.confirm !== v.password) errors.confirm = 'The passwords differ';
  return errors;
}

export function RegisterPage() {
  const { register } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: '', email: '', password: '', confirm: '', display_name: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    const v = validateRegistration(form);
    setErrors(v);
    const wrong = (Object.keys(v) as Array<keyof FieldErrors>).filter((k) => v[k]);
    if (wrong.length) {
      // Start where the first problem is, and say what all of them are.
      document.getElementById(`reg-${wrong[0]}`)?.focus();
      announce(
        `${wrong.length === 1 ? 'One field needs' : `${wrong.length} fields need`} attention. ${wrong.map((k) => `${FIELD_LABELS[k]}: ${v[k]}.`).join(' ')}`,
        'assertive',
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await register({
        username: form.username,
        email: form.email,
        password: form.password,
        display_name: form.display_name || null,
      });
      navigate(`/login?registered=1&username=${encodeURIComponent(form.username)}`);
    } catch (err) {
      const message = err instanceof ApiError ? err.message : errorMessage(err);
      setError(message);
      announce(message, 'assertive');
      setBusy(false);
    }
  };

  const field = (k: keyof FieldErrors | 'display_name', label: string, type = 'text', autoComplete?: string) => {
    const err = k === 'display_name' ? undefined : errors[k];
    return (
      <div className="field">
        <label htmlFor={`reg-${k}`}>{label}</label>
        <input
          id={`reg-${k}`}
          name={k}
          type={type}
          autoComplete={autoComplete}
          value={form[k]}
          onChange={set(k)}
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? `reg-${k}-err` : undefined}
        />
        {err && (
          <p id={`reg-${k}-err`} className="field__error">
            {err}
          </p>
        )}
      </div>
    );
  };

  return (
    <AuthLayout title="Create an account">
      <form className="form" onSubmit={onSubmit} noValidate>
        {field('username', 'Username', 'text', 'username')}
        {field('email', 'Email', 'email', 'email')}
        {field('display_name', 'Display name (optional)', 'text', 'name')}
        {field('password', 'Password', 'password', 'new-password')}
        {field('confirm', 'Repeat the password', 'password', 'new-password')}
        {error && <p className="field__error">{error}</p>}
        <button type="submit" className="btn btn--primary btn--block" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p className="auth__alt">
        Have an account? <Link to="/login">Sign in</Link>
      </p>
    </AuthLayout>
  );
}
