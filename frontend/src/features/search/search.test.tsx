import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWith } from '@/test/render';
import { search } from './api/search';
import { SearchPage } from './components/SearchPage';

vi.mock('./api/search', () => ({ search: vi.fn() }));

const record = {
  id: 'r1',
  owner_id: 'u1',
  owner_username: 'alice',
  file_name: 'jw02731-o002_t017_miri_f1130w_i2d.fits',
  visibility: 'private',
  shared_with: [],
  source: 'upload',
  size: 1,
  sha256: 'x',
  metadata: { target_name: 'NGC 3324', instrument: 'MIRI', filter: 'F1130W' },
  processing_level: '3',
  product_type: 'i2d',
  tags: [],
  description: '',
  archived: false,
  lineage: { derived_from: [], derivatives: [], note: null },
  thumbnail_url: null,
  download_url: '/x',
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
};

function answer(dropped: string[]) {
  const chips = [
    { key: 'instrument', label: 'Instrument: MIRI', params: { instrument: ['MIRI'] } },
    { key: 'wavelength_min', label: 'Wavelength over 10 µm', params: { wavelength_min: 10 } },
  ].filter((c) => !dropped.includes(c.key));
  return {
    q: 'MIRI longer than 10 microns',
    mode: 'hybrid',
    degraded: null,
    chips,
    dropped,
    items: [{ record, score: 0.03, semantic_score: 0.61, keyword_score: 2.5, ranks: { semantic: 1 }, why: ['similar in meaning (0.61)'] }],
    total: 1,
    has_more: false,
    offset: 0,
    limit: 20,
  };
}

describe('search', () => {
  it('shows chips, scores and reasons; removing a chip searches again without it', async () => {
    const drops: string[][] = [];
    vi.mocked(search).mockImplementation(async (p) => {
      drops.push(p.drop ?? []);
      return answer(p.drop ?? []) as Awaited<ReturnType<typeof search>>;
    });
    renderWith(<SearchPage />, { path: '/search?q=MIRI%20longer%20than%2010%20microns' });
    expect(await screen.findByRole('link', { name: record.file_name })).toBeInTheDocument();
    expect(screen.getByText('meaning 0.61')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Why it matched' })).toHaveTextContent('similar in meaning');
    await userEvent.click(screen.getByRole('button', { name: 'Remove filter Wavelength over 10 µm' }));
    await waitFor(() => expect(drops.at(-1)).toEqual(['wavelength_min']));
    await waitFor(() => expect(screen.queryByText('Wavelength over 10 µm')).not.toBeInTheDocument());
    expect(screen.getByRole('button', { name: 'Restore removed filters' })).toBeInTheDocument();
  });
});
