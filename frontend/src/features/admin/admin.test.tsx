import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { AdminPage } from './components/AdminPage';

const bob = {
  id: '65f000000000000000000002',
  username: 'bob',
  email: 'bob@example.org',
  display_name: null,
  organisation: null,
  role: 'user',
  disabled: false,
  created_at: '2026-01-02T03:04:05Z',
};

const sent: Array<{ method: string; path: string; body: unknown }> = [];
let current = { ...bob };

vi.mock('./api/users', () => ({
  listUsers: async () => ({ items: [current], total: 1, offset: 0, limit: 50 }),
  setRole: async (id: string, role: string) => {
    sent.push({ method: 'PATCH', path: `/api/users/${id}/role`, body: { role } });
    current = { ...current, role };
    return current;
  },
  setDisabled: async (id: string, disabled: boolean) => {
    sent.push({ method: 'PATCH', path: `/api/users/${id}/disabled`, body: { disabled } });
    current = { ...current, disabled };
    return current;
  },
}));

describe('admin page', () => {
  beforeEach(() => {
    sent.length = 0;
    current = { ...bob };
  });

  it('changes a role only after confirmation, and keeps focus on the control', async () => {
    renderWith(<AdminPage />, { path: '/admin' });
    const promote = await screen.findByRole('button', { name: 'Make bob an administrator' });
    promote.focus();
    await userEvent.keyboard('{ArrowDown}{ArrowUp}');
    await userEvent.keyboard('{Enter}');
    expect(sent.filter((r) => r.method === 'PATCH')).toEqual([]);
    const dialog = screen.getByRole('dialog', { name: 'Make bob an administrator?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(sent.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(promote).toHaveFocus();

    await userEvent.click(promote);
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Make administrator' }));
    await waitFor(() => expect(sent.filter((r) => r.method === 'PATCH')).toEqual([{ method: 'PATCH', path: `/api/users/${bob.id}/role`, body: { role: 'admin' } }]));
    const demote = await screen.findByRole('button', { name: 'Make bob a user' });
    expect(demote).toBe(promote);
    expect(demote).toHaveFocus();
  });

  it('asks before disabling an account', async () => {
    renderWith(<AdminPage />, { path: '/admin' });
    await userEvent.click(await screen.findByRole('button', { name: 'Disable bob' }));
    expect(screen.getByRole('dialog', { name: 'Disable bob?' })).toBeInTheDocument();
    expect(sent.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});
