/** A proposal (its channels blue to red, as the discover API orders them) and its plans, for the
 *  unit tests. */
import type { Plan, Proposal } from '../api/discover';

export const proposal: Proposal = {
  id: 'p1',
  title: 'NIRCam: classic 3-colour',
  kind: 'classic',
  instruments: ['NIRCAM'],
  channels: [
    { filter: 'F090W', instrument: 'NIRCAM', pivot_um: 0.901, width: 'wide', color: '#0000ff', obsids: ['1'], obs_ids: ['a'], exposure_s: 100 },
    { filter: 'F200W', instrument: 'NIRCAM', pivot_um: 1.99, width: 'wide', color: '#00ff00', obsids: ['2'], obs_ids: ['b'], exposure_s: 100 },
    { filter: 'F444W', instrument: 'NIRCAM', pivot_um: 4.421, width: 'wide', color: '#ff0000', obsids: ['3'], obs_ids: ['c'], exposure_s: 100 },
  ],
  mosaic: false,
  pointings: 1,
  estimate: { output_pixels: 36_000_000, download_bytes: 2e9, seconds: 500 },
  score: 1.5,
  reasons: ['recommended: the widest wavelength range for the effort', 'one pointing: no mosaic needed'],
  recommended: true,
};

/** The plan with the channels of `have` (by filter) in the library and the others missing. */
export function planWith(have: string[], composite_available = true): Plan {
  const channels = proposal.channels.map((channel) =>
    have.includes(channel.filter)
      ? { channel, record_ids: [`r-${channel.filter}`], missing_obsids: [] }
      : { channel, record_ids: [], missing_obsids: channel.obsids },
  );
  const missing = channels.flatMap((c) => c.missing_obsids);
  const ready = missing.length === 0;
  return { proposal, channels, missing_obsids: missing, ready, composite_available: ready && composite_available };
}
