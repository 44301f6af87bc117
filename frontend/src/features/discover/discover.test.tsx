import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { cancelJob, createComposite, getJob, importObservations, planProposal, renderComposite } from './api/discover';
import { GuidedFlow } from './components/GuidedFlow';
import { ProposalCard } from './components/ProposalCard';
import { planWith, proposal } from './guided/fixtures';

vi.mock('./api/discover', () => ({
  planProposal: vi.fn(),
  importObservations: vi.fn(),
  getJob: vi.fn(),
  cancelJob: vi.fn(),
  createComposite: vi.fn(),
  renderComposite: vi.fn(),
}));

beforeEach(() => vi.clearAllMocks());

describe('discover', () => {
  it('shows a proposal: channels blue to red, reasons, estimate; choosing it', async () => {
    const onChoose = vi.fn();
    renderWith(
      <ul>
        <ProposalCard proposal={proposal} onChoose={onChoose} busy={false} />
      </ul>,
    );
    expect(screen.getByText('Recommended')).toBeInTheDocument();
    const channels = screen.getByRole('list', { name: 'Channels' });
    expect(channels).toHaveTextContent(/F090W.*F444W/);
    expect(screen.getByText('one pointing: no mosaic needed')).toBeInTheDocument();
    expect(screen.getByText(/36\.0 Mpx/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Make this' }));
    expect(onChoose).toHaveBeenCalled();
  });

  it('runs every step and ends on the finished composite\'s page', async () => {
    vi.mocked(planProposal).mockResolvedValueOnce(planWith(['F090W'])).mockResolvedValueOnce(planWith(['F090W', 'F200W', 'F444W']));
    vi.mocked(importObservations).mockResolvedValue({ id: 'imp' } as Awaited<ReturnType<typeof importObservations>>);
    vi.mocked(getJob).mockImplementation(async (id: string) => ({ id, status: 'succeeded', result: { record_id: 'rec1' } }) as unknown as Awaited<ReturnType<typeof getJob>>);
    vi.mocked(createComposite).mockResolvedValue({ id: 'c0ffee', width: 600, height: 400 } as Awaited<ReturnType<typeof createComposite>>);
    vi.mocked(renderComposite).mockResolvedValue({ job_id: 'ren', formats: ['png', 'fits'], bits: 8 });
    renderWith(<GuidedFlow targetKey="cosmic-cliffs" targetName="Cosmic Cliffs" proposal={proposal} />, {
      routes: { '/composites/:id': <p>the composite page</p> },
    });
    expect(await screen.findByText('the composite page')).toBeInTheDocument();
    expect(planProposal).toHaveBeenCalledWith('cosmic-cliffs', 'p1');
    expect(importObservations).toHaveBeenCalledWith(['2', '3']);
    expect(vi.mocked(createComposite).mock.calls[0][0]).toMatchObject({
      name: 'Cosmic Cliffs: NIRCam: classic 3-colour',
      channels: [
        { record_ids: ['r-F090W'], color: '#0000ff' },
        { record_ids: ['r-F200W'], color: '#00ff00' },
        { record_ids: ['r-F444W'], color: '#ff0000' },
      ],
    });
    expect(renderComposite).toHaveBeenCalledWith('c0ffee');
  });

  it('shows each step\'s state, the job\'s progress, and cancels the running job', async () => {
    vi.mocked(planProposal).mockResolvedValue(planWith([]));
    vi.mocked(importObservations).mockResolvedValue({ id: 'imp' } as Awaited<ReturnType<typeof importObservations>>);
    let status = 'running';
    vi.mocked(getJob).mockImplementation(async (id: string) => ({ id, status, progress: { fraction: 0.25, stage: 'downloading' } }) as unknown as Awaited<ReturnType<typeof getJob>>);
    vi.mocked(cancelJob).mockImplementation(async () => {
      status = 'cancelled';
      return {} as Awaited<ReturnType<typeof cancelJob>>;
    });
    renderWith(<GuidedFlow targetKey="cosmic-cliffs" targetName="Cosmic Cliffs" proposal={proposal} />);
    const bar = await screen.findByRole('progressbar', { name: 'Import progress' });
    expect(bar).toHaveAttribute('value', '25');
    expect(screen.getByRole('heading', { name: /Check your library/ })).toHaveTextContent('(done)');
    expect(screen.getByRole('heading', { name: /Import what is missing/ })).toHaveTextContent('(running)');
    expect(screen.getByRole('heading', { name: /Render the finished image/ })).toHaveTextContent('(waiting)');
    expect(screen.getByText('downloading')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: /Import what is missing/ })).toHaveTextContent('(cancelled)'), { timeout: 3000 });
    expect(cancelJob).toHaveBeenCalledWith('imp');
    expect(createComposite).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Start again' })).toBeInTheDocument();
  });

  it('says so when the records cannot make a composite', async () => {
    vi.mocked(planProposal).mockResolvedValue(planWith(['F090W', 'F200W', 'F444W'], false));
    renderWith(<GuidedFlow targetKey="cosmic-cliffs" targetName="Cosmic Cliffs" proposal={proposal} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('This server cannot build a composite of these records.');
    expect(screen.getByRole('heading', { name: /Build the composite/ })).toHaveTextContent('(failed)');
    expect(screen.getByRole('heading', { name: /Import what is missing/ })).toHaveTextContent('(not needed)');
    expect(createComposite).not.toHaveBeenCalled();
  });
});
