/**
 * The account page: change the password from the browser, with the policy's reason shown when a
 * new password is refused, then sign in again with the new one.
 */
import { expect, test } from '@playwright/test';
import { apiRegister, PASSWORD, shot, signIn, uniqueUser, watchPage } from './helpers';

test('change the password on the account page', async ({ page }) => {
  const problems = watchPage(page);
  const user = uniqueUser('pw');
  await apiRegister(page.request, user);
  await signIn(page, user.username);

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Account' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').fill(PASSWORD);
  await form.getByLabel('New password', { exact: true }).fill('password1234');
  await form.getByLabel('Repeat the new password').fill('password1234');
  await form.getByRole('button', { name: 'Change password' }).click();
  const next = form.getByLabel('New password', { exact: true });
  await expect(next).toBeFocused();
  await expect(next).toHaveAccessibleDescription(/one of the most common passwords/);
  await expect(page.getByTestId('announcer')).toContainText('one of the most common passwords');
  await shot(page, 'account-weak-password');

  const fresh = 'comet tails drift slowly 7';
  await form.getByLabel('New password', { exact: true }).fill(fresh);
  await form.getByLabel('Repeat the new password').fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('announcer')).toContainText('Password changed');
  await expect(form.getByLabel('Current password')).toHaveValue('');
  // This session goes on (it got new tokens); a page change still works.
  await page.getByRole('link', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
  await shot(page, 'account-changed');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('announcer')).toContainText('wrong username or password');
  await expect(page.locator('form').getByText('wrong username or password')).toBeVisible();
  await signIn(page, user.username, fresh);
  expect(problems).toEqual([]);
});
