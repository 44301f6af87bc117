import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { planProposal } from './api/discover';
import { GuidedFlow } from './components/GuidedFlow';
import { ProposalCard } from './components/ProposalCard';

vi.mock('./api/discover', () => ({ planProposal: vi.fn(), importObservations: vi.fn(), getJob: vi.fn() }));

const proposal = {
  id: 'p1',
  title: 'NIRCam: classic 3-colour',
  kind: 'classic',
  instruments: ['NIRCAM'],
  channels: [
    { filter: 'F090W', instrument: 'NIRCAM', pivot_um: 0.901, width: 'wide', color: '#0000ff', obsids: ['1'], obs_ids: ['a'], exposure_s: 100 },
    { filter: 'F444W', instrument: 'NIRCAM', pivot_um: 4.421, width: 'wide', color: '#ff0000', obsids: ['2'], obs_ids: ['b'], exposure_s: 100 },
  ],
  mosaic: false,
  pointings: 1,
  estimate: { output_pixels: 36_000_000, download_bytes: 2e9, seconds: 500 },
  score: 1.5,
  reasons: ['recommended: the widest wavelength range for the effort', 'one pointing: no mosaic needed'],
  recommended: true,
};

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

  it('ends with the composite builder, pre-filled with every channel\'s records', async () => {
    const plan = {
      proposal,
      channels: [
        { channel: proposal.channels[0], record_ids: ['r1'], missing_obsids: [] },
        { channel: proposal.channels[1], record_ids: ['r2', 'r3'], missing_obsids: [] },
      ],
      missing_obsids: [],
      ready: true,
      composite_available: true,
    };
    vi.mocked(planProposal).mockResolvedValue(plan as Awaited<ReturnType<typeof planProposal>>);
    renderWith(<GuidedFlow targetKey="cosmic-cliffs" proposal={proposal} />, {
      routes: { '/composites/new': <p>the builder</p> },
    });
    const open = await screen.findByRole('link', { name: 'Open the composite builder with these 2 channels' });
    expect(open).toHaveAttribute('href', '/composites/new?records=r1,r2,r3');
    expect(screen.getByRole('heading', { name: /Build the composite/ })).toHaveTextContent('(active)');
    expect(planProposal).toHaveBeenCalledWith('cosmic-cliffs', 'p1');
    await userEvent.click(open);
    expect(await screen.findByText('the builder')).toBeInTheDocument();
  });

  it('says so when the records cannot make a composite', async () => {
    const plan = { proposal, channels: [], missing_obsids: [], ready: true, composite_available: false };
    vi.mocked(planProposal).mockResolvedValue(plan as Awaited<ReturnType<typeof planProposal>>);
    renderWith(<GuidedFlow targetKey="cosmic-cliffs" proposal={proposal} />);
    expect(await screen.findByText('This server cannot build a composite of these records.')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Open the composite builder/ })).toBeNull();
  });
});
