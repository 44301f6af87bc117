import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { closeJobsPanel, jobsPanelStore } from '@/stores/ui';
import { JobsButton } from './components/JobsButton';
import { JobsPanel } from './components/JobsPanel';

vi.mock('./api/jobs', async (real) => ({
  ...(await real<typeof import('./api/jobs')>()),
  listJobs: async () => ({ items: [], total: 0, offset: 0, limit: 50 }),
}));
vi.mock('@/lib/hub', () => ({
  hubUrl: () => 'ws://test/hubs/jobs',
  HubClient: class {
    subscribe() {}
    unsubscribe() {}
    start() {}
    stop() {}
  },
}));

function setup(extra?: React.ReactNode) {
  jobsPanelStore.set({ open: false, focusJobId: null });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <JobsButton />
      {extra}
      <JobsPanel enabled />
    </QueryClientProvider>,
  );
}

describe('jobs panel', () => {
  it('takes focus when it opens and gives it back to the Jobs button when it closes', async () => {
    setup();
    const button = screen.getByRole('button', { name: /^Jobs/ });
    await userEvent.click(button);
    expect(screen.getByRole('heading', { name: 'Jobs' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('complementary', { name: 'Jobs' })).toBeNull();
    expect(button).toHaveFocus();

    await userEvent.click(button);
    await userEvent.click(screen.getByRole('button', { name: 'Close the jobs panel' }));
    expect(button).toHaveFocus();
  });

  it('gives focus back to whatever opened it (an import button)', async () => {
    setup(
      <button type="button" onClick={() => jobsPanelStore.set({ open: true, focusJobId: 'j1' })}>
        Import 2 files
      </button>,
    );
    const importButton = screen.getByRole('button', { name: 'Import 2 files' });
    await userEvent.click(importButton);
    expect(screen.getByRole('heading', { name: 'Jobs' })).toHaveFocus();
    await userEvent.click(screen.getByRole('button', { name: 'Close the jobs panel' }));
    expect(importButton).toHaveFocus();
    closeJobsPanel();
  });
});
