import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { ApiError } from '@/lib/api/errors';
import { fakeAuth, renderWith } from '@/test/render';
import { LoginPage, safeNext } from './LoginPage';
import { RegisterPage, validateRegistration } from './RegisterPage';
import { RequireAuth } from './RequireAuth';

describe('sign in', () => {
  it("shows the API's message when the sign-in is refused", async () => {
    const signIn = vi.fn().mockRejectedValue(new ApiError(401, 'invalid_credentials', 'wrong username or password'));
    renderWith(<LoginPage />, { path: '/login', auth: fakeAuth({ signIn }), announcer: true });
    await userEvent.type(screen.getByLabelText('Username or email'), 'alice');
    await userEvent.type(screen.getByLabelText('Password'), 'nope-nope-nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(signIn).toHaveBeenCalledWith('alice', 'nope-nope-nope');
    expect(await screen.findByRole('alert')).toHaveTextContent('wrong username or password');
  });

  it('follows only same-site paths after signing in', () => {
    expect(safeNext('/viewer/1')).toBe('/viewer/1');
    expect(safeNext('//evil.example')).toBe('/library');
    expect(safeNext('https://evil.example')).toBe('/library');
    expect(safeNext(null)).toBe('/library');
  });
});

describe('register', () => {
  it('validates before sending', () => {
    expect(validateRegistration({ username: 'ab', email: 'x', password: 'short', confirm: 'other' })).toEqual({
      username: expect.any(String),
      email: 'Enter an email address',
      password: 'At least 12 characters',
      confirm: 'The passwords differ',
    });
    expect(validateRegistration({ username: 'alice', email: 'a@b.org', password: 'long enough pw', confirm: 'long enough pw' })).toEqual({});
  });

  it('marks invalid fields for assistive technology', async () => {
    const register = vi.fn();
    renderWith(<RegisterPage />, { path: '/register', auth: fakeAuth({ register }) });
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(register).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter an email address');
  });

  it("announces the form's errors and starts at the first wrong field", async () => {
    renderWith(<RegisterPage />, { path: '/register', auth: fakeAuth({ register: vi.fn() }), announcer: true });
    await userEvent.type(screen.getByLabelText('Username'), 'alice');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByLabelText('Email')).toHaveFocus();
    const said = screen.getByRole('alert');
    expect(said).toHaveTextContent('2 fields need attention');
    expect(said).toHaveTextContent('Email: Enter an email address.');
    expect(said).toHaveTextContent('Password: At least 12 characters.');
  });

  it("announces the server's refusal", async () => {
    const register = vi.fn().mockRejectedValue(new ApiError(409, 'username_taken', 'this username is taken'));
    renderWith(<RegisterPage />, { path: '/register', auth: fakeAuth({ register }), announcer: true });
    await userEvent.type(screen.getByLabelText('Username'), 'alice');
    await userEvent.type(screen.getByLabelText('Email'), 'alice@example.org');
    await userEvent.type(screen.getByLabelText('Password'), 'long enough pw');
    await userEvent.type(screen.getByLabelText('Repeat the password'), 'long enough pw');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('this username is taken');
  });
});

describe('protected routes', () => {
  it('send signed-out visitors to the sign-in page with the way back', () => {
    renderWith(
      <Routes>
        <Route element={<RequireAuth />}>
          <Route path="/library" element={<p>secret</p>} />
        </Route>
        <Route path="/login" element={<p>login page</p>} />
      </Routes>,
      { path: '/library?view=grid' },
    );
    expect(screen.getByText('login page')).toBeInTheDocument();
    expect(screen.queryByText('secret')).toBeNull();
  });

  it('keep the admin page for administrators', () => {
    const user = { id: '1', username: 'bob', role: 'user' } as never;
    renderWith(
      <Routes>
        <Route element={<RequireAuth admin />}>
          <Route path="/admin" element={<p>users</p>} />
        </Route>
      </Routes>,
      { path: '/admin', auth: fakeAuth({ status: 'signedIn', user }) },
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This page is for administrators.');
  });
});
