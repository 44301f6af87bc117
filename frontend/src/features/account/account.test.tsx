import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiError } from '@/lib/api/errors';
import { tokenStore } from '@/lib/api/token';
import { renderWith } from '@/test/render';
import { PasswordForm, validatePasswordChange } from './components/PasswordForm';

const changePassword = vi.fn();
vi.mock('./api/account', () => ({ changePassword: (...a: unknown[]) => changePassword(...a) }));

async function fill(current: string, next: string, confirm = next) {
  await userEvent.type(screen.getByLabelText('Current password'), current);
  await userEvent.type(screen.getByLabelText('New password'), next);
  await userEvent.type(screen.getByLabelText('Repeat the new password'), confirm);
  await userEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('change password', () => {
  beforeEach(() => {
    changePassword.mockReset();
    tokenStore.clear();
  });
  afterEach(() => tokenStore.clear());

  it('checks the obvious before sending', () => {
    expect(validatePasswordChange({ current: '', next: 'short', confirm: 'other' })).toEqual({
      current: 'Enter your current password',
      next: 'At least 12 characters',
      confirm: 'The new passwords differ',
    });
  });

  it("shows the policy's reason at the new password, says it, and starts there", async () => {
    changePassword.mockRejectedValue(new ApiError(422, 'weak_password', 'password rejected: it is one of the most common passwords'));
    renderWith(<PasswordForm />, { announcer: true });
    expect(screen.getByRole('form', { name: 'Change password' })).toBeInTheDocument();
    await fill('old passphrase 1', 'password1234');
    const next = screen.getByLabelText('New password');
    await waitFor(() => expect(next).toHaveAccessibleDescription(/Refused: it is one of the most common passwords/));
    expect(next).toHaveAttribute('aria-invalid', 'true');
    expect(next).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('The password was not changed. New password: Refused: it is one of the most common passwords.');
  });

  it('puts a wrong current password at its field', async () => {
    changePassword.mockRejectedValue(new ApiError(401, 'invalid_credentials', 'the current password is wrong'));
    renderWith(<PasswordForm />);
    await fill('not it at all', 'a new long passphrase');
    await waitFor(() => expect(screen.getByLabelText('Current password')).toHaveAccessibleDescription('The current password is wrong'));
  });

  it('carries on with the new token and empties the form', async () => {
    changePassword.mockResolvedValue({ access_token: 'fresh-token', token_type: 'bearer', expires_in: 900 });
    renderWith(<PasswordForm />, { announcer: true });
    await fill('old passphrase 1', 'a new long passphrase');
    expect(changePassword).toHaveBeenCalledWith('old passphrase 1', 'a new long passphrase');
    await waitFor(() => expect(tokenStore.get()).toBe('fresh-token'));
    expect(screen.getByLabelText('Current password')).toHaveValue('');
    expect(screen.getByRole('status')).toHaveTextContent('Password changed');
  });
});
